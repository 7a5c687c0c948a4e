-- Where a resident found Qatysu, from the tag of the village link they first joined by
-- (`v_<code>-qr` on paper, `-wa` shared to WhatsApp, none for a plain link): staff see which
-- channel brings residents. NULL: joined by /start and the picker.
ALTER TABLE people ADD COLUMN joined_via TEXT;
