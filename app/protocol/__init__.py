"""The vocabulary the client, the co-signer server and the desktop share."""
