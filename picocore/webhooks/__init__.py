"""Outbound webhooks: what happens in PicoCore announced to other systems, signed, retried and logged."""
