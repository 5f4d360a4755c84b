"""Signed outgoing webhooks (Standard Webhooks): endpoints, the outbox, the sender.

Imports accounts, activity and outbound only, so every app above may use it.
"""
