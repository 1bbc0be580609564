"""One full-text search over tickets, articles, known issues and problems, scoped as every list is, and the
suggestions a customer gets while writing a request."""
