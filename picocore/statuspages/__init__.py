"""Per-customer status pages: the state of each solution and component, incident updates and maintenance."""
