"""The process-wide scheduler loop (`hushpost scheduler`): periodic steps of several apps.

It sits beside the apps, above them in the import order: it calls into
appointments, messaging, contacts and delivery, and none of them imports it.
"""
