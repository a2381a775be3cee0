"""`X-Twilio-Signature`, computed exactly as Twilio does, so that receivers can check our
requests with twilio-python's RequestValidator (or any Twilio helper library)."""

import base64
import hashlib
import hmac
from collections.abc import Mapping


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """HMAC-SHA1 (key: the account's auth token) of the full URL followed by each form
    parameter's name and value, names sorted; Base64. A GET signs the URL (query included) alone."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()
