"""The knowledge base: internal and customer-facing articles with versions, applicability and review dates."""
