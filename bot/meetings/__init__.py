"""Meetings of local self-government beyond the public hearing: the community assembly (members,
quorum, votes per item, signed protocol), the separate village gathering, the akim's reporting
meeting (questions due at the meeting, answered together). Each is a hearing with its kind:
:mod:`bot.hearings` announces, changes, reminds and cancels them all."""
