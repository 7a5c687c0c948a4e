"""The broadcast engine and the free notices staff send through it."""
