"""HTTP requests to addresses that customers type: webhook endpoints, calendar feeds.

A leaf library, like crypto: it imports no app, so any app (appointments
included) can use it. `addresses` decides whether a host may be reached at
all (the SSRF guard) and `client` is the one seam for such requests: it
connects only to the address it checked, under one hard deadline, and never
follows a redirect. Tests replace name resolution through
`addresses.getaddrinfo` and nothing else.
"""
