"""Cases (casussen): one household's situation, owned by one organisation."""
