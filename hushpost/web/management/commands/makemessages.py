"""Django's makemessages, without fuzzy matching.

A new text that merely resembles an old one ("Your preferences", "Your
messages") would otherwise arrive with the old one's translation, flagged
fuzzy: unused, and easy to take for done. New texts arrive empty instead,
for the translation test to name (docs/OPERATIONS.md, "Languages").
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
