"""The co-signer protocol, written once for the server (cosigner_server/), the client
(app/client.py) and the desktop (ui/): bodies.py (every request and answer body, envelopes
included, each with from_dict/to_dict), enums.py (the shared names: rules, split statuses, audit
events, error codes, roles, outcomes, custody), formats.py (share code formats and the
domain-separated messages a share signs), routes.py (the route paths), zchain.py (the request
bodies of 0Chain's own ZAuth and ZVault routes), exit_codes.py (the exit statuses of both CLIs).
The OpenAPI document (cosigner_server/openapi.py) is generated from these classes."""
