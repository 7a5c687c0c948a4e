"""Paper for the notice board: notices with the village's QR code, ballots, tally sheets.

Many villagers read the notice board, not a phone. Each paper is an A4 PDF in Kazakh and Russian
(the state languages), drawn in the worker process (:mod:`bot.workers`) with the DejaVu Sans font
that matplotlib ships, which covers the Kazakh letters ә ғ қ ң ө ұ ү һ і.
"""
