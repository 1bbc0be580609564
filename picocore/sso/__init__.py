"""Single sign-on per customer organisation with OpenID Connect: an organisation's identity provider, the
e-mail domains it owns, and the group → role mapping that decides its people's roles."""
