#!/usr/bin/env python3
"""Verifies a Kefu credential (compact JWS, EdDSA) with an independent JOSE library (joserfc) and the
issuer's exported public JWK. Usage: verify_credential.py CREDENTIAL.jws ISSUER.jwk.json
Prints the credential's type and subject name; exits 1 when the signature does not verify."""
import json
import sys

from joserfc import jws
from joserfc.jwk import OKPKey


def main() -> int:
    token = open(sys.argv[1], encoding="utf-8").read().strip()
    key = OKPKey.import_key(json.load(open(sys.argv[2], encoding="utf-8")))
    try:
        result = jws.deserialize_compact(token, key, algorithms=["EdDSA"])
    except Exception as error:  # joserfc raises BadSignatureError and friends
        print(f"signature does not verify: {error}")
        return 1
    credential = json.loads(result.payload)
    print("verified", credential["type"], credential["credentialSubject"]["name"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
