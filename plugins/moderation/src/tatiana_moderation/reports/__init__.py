"""Reports and appeals: members report messages to a moderators' queue; banned users appeal their ban.

``command`` is the "Report message" context menu, ``queue`` the queue's posts, ``actions`` what its buttons
do, ``appeals`` the ban appeals, ``router`` the listener that sends each button and form to its handler.
"""
