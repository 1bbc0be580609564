"""Monitoring alerts: a customer's monitoring becomes the right incident, once, and resolves it when it clears."""
