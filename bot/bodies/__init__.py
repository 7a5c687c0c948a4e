"""The directory of other bodies per district (issue 18): imported by CSV, edited by admins,
offered to staff on reject or forward so that the resident gets the right body's contacts."""
