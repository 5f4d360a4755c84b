"""What can go wrong reaching a customer's URL, said for the person who typed it."""

from __future__ import annotations


class OutboundError(Exception):
    """The request was not made, or got no usable answer; `reason` is readable."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class AddressRefused(OutboundError):
    """The URL is not allowed: not http(s), not https in production, or its host is
    (or resolves to) an address inside a private network."""


class AddressNotFound(OutboundError):
    """The host name does not resolve (now): a typo, or DNS that is down."""


class RequestFailed(OutboundError):
    """Connected (or tried to) but got no complete answer in time."""
