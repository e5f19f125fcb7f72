"""The accessibility statement: public, linked from every page's footer, and honest about
what is tested (the browser tests' own checks) and what is not yet."""

from __future__ import annotations


def test_the_statement_is_public_and_in_every_footer(client):
    page = client.get("/toegankelijkheid")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "EN 301 549" in text and "WCAG 2.1" in text and "axe-core" in text
    assert "voldoet gedeeltelijk" in text
    for url in ("/", "/inloggen", "/convenant/uitleg"):
        html = client.get(url).get_data(as_text=True)
        assert 'href="/toegankelijkheid"' in html, url


def test_the_statement_in_the_tenants_languages(client):
    for lang, words in (
        ("en", "Accessibility statement"),
        ("tr", "Erişilebilirlik"),
        ("ar", "إمكانية الوصول"),
    ):
        client.get(f"/taal/{lang}")
        html = client.get("/toegankelijkheid").get_data(as_text=True)
        assert words in html, lang
