"""The API describes itself: OpenAPI 3.1 at /api/v1/schema/ (its auth, the Idempotency-Key header
and every refusal with its body and headers), and a documentation page at /api/v1/docs/ that
works under the portal's Content-Security-Policy with Swagger UI's own files (no CDN)."""

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

PROBLEM = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def schema(client):
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_schema_is_openapi_3_1_with_every_endpoint(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["info"]["version"] == "1"
    assert "Idempotency-Key" in schema["info"]["description"]
    assert {(path, method) for path, method, _op in operations(schema)} == {
        ("/api/v1/results", "post"),
        ("/api/v1/results/{reference}", "get"),
        ("/api/v1/categories", "get"),
        ("/api/v1/rules", "get"),
        ("/api/v1/courses", "get"),
        ("/api/v1/standards", "get"),
    }


def test_every_endpoint_needs_a_bearer_token_and_says_how_it_refuses(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {
        "TokenAuth": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token made by an institution's administrator.",
        }
    }
    for path, method, operation in operations(schema):
        assert operation["security"] == [{"TokenAuth": []}], path
        answers = {str(status): answer for status, answer in operation["responses"].items()}
        for status in ("401", "403", "422", "429"):
            assert answers[status]["content"] == {"application/problem+json": {"schema": PROBLEM}}
        unauthenticated = answers["401"]["headers"]["WWW-Authenticate"]
        assert unauthenticated["required"] is True
        assert answers["429"]["headers"]["Retry-After"]["schema"]["pattern"] == "^[0-9]+$"
        success = answers["201" if method == "post" else "200"]
        assert "application/json" in success["content"]


def test_the_post_asks_for_an_idempotency_key_and_answers_400_and_409(schema):
    post = schema["paths"]["/api/v1/results"]["post"]
    (key,) = [p for p in post["parameters"] if p["name"] == "Idempotency-Key"]
    assert (key["in"], key["required"], key["schema"]["maxLength"]) == ("header", True, 255)
    answers = {str(status): answer for status, answer in post["responses"].items()}
    for status in ("400", "409"):
        assert answers[status]["content"] == {"application/problem+json": {"schema": PROBLEM}}
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ResultsIn"}
    results = schema["components"]["schemas"]["ResultsIn"]["properties"]["results"]
    assert (results["minItems"], results["maxItems"]) == (1, 1000)


def test_the_problem_body_is_described(schema):
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "code"}
    error = schema["components"]["schemas"]["FieldError"]
    assert set(error["properties"]) == {"field", "code", "message"}


def test_the_documentation_page_uses_swagger_ui_from_the_package_under_the_csp(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    sources = re.findall(r'<script src="([^"]+)"', page)
    assert sources == ["/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui-init.js"]
    # No inline script: every <script> loads a file or is data (the settings, as JSON).
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert '"url": "/api/v1/schema/"' in page
    assert "http://" not in page.replace("http://testserver", "") and "https://" not in page
    for path in (*sources, "/static/ninja/swagger-ui.css"):
        assert finders.find(path.removeprefix("/static/")), path
        assert client.get(path).status_code == 200, path
