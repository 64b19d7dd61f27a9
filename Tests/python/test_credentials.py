#!/usr/bin/env python3
"""Kefu credentials checked by outsiders: two independent JOSE libraries (PyJWT and joserfc).

Issues an Open Badges 3.0 credential through the kefu binary on a throwaway database and key directory
(the sample team, evidence entered by hand by the operator with a reason), then verifies it as an outside
verifier would — the VC-JWT with the issuer's published JWKS, its registered claims, and its bit in the
published W3C Bitstring Status List — revokes it, and sees it refused (status list bit set; kefu exits 1).

Usage: python3 Tests/python/test_credentials.py [path/to/kefu]   (default .build/debug/kefu)
"""
import base64
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import jwt  # PyJWT
from joserfc import jwt as jose_jwt
from joserfc.jwk import KeySet

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KEFU = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/debug/kefu"))
ISSUER = "https://training.kefu.example/issuer"  # Policies/issuer.yaml


def kefu(work, *arguments, expect=0, env=None):
    """Runs kefu on the throwaway database; fails the test unless it exits with `expect`."""
    environment = dict(os.environ, KEFU_DB=os.path.join(work, "kefu.sqlite"), KEFU_KEY_DIR=os.path.join(work, "keys"),
                       NO_COLOR="1")
    environment.pop("KEFU_KEY", None)
    environment.update(env or {})
    result = subprocess.run([KEFU, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=120)
    if result.returncode != expect:
        raise AssertionError(f"kefu {' '.join(arguments)} exited {result.returncode}, expected {expect}:\n"
                             f"{result.stdout}{result.stderr}")
    return result.stdout


def status_bit(status_list_jwt, key, index):
    """The revocation bit `index` of a status list credential, read with PyJWT (signature checked)."""
    claims = jwt.decode(status_list_jwt, key=key, algorithms=["EdDSA"], issuer=ISSUER,
                        options={"require": ["iss", "sub", "nbf", "iat"]})
    assert "BitstringStatusListCredential" in claims["type"], claims["type"]
    subject = claims["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and subject["encodedList"].startswith("u")
    encoded = subject["encodedList"][1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert len(bits) * 8 >= 131072, f"a status list holds at least 131072 entries, not {len(bits) * 8}"
    return (bits[index // 8] >> (7 - index % 8)) & 1, claims["id"]


def issue(work):
    """The sample team, hand-entered evidence with reasons, a certification and its credential."""
    kefu(work, "people", "import", "Samples/people.csv")
    past = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 86400))
    for kind, reference, score in [("exam", "onboarding-theory", "88"), ("scenario", "p2p-withdrawal-delay", "90"),
                                   ("scenario", "express-damaged-parcel", "85")]:
        kefu(work, "evidence", "attempt", "--person", "E001", "--kind", kind, "--reference", reference, "--score", score,
             "--result", "pass", "--at", past, "--reason", "taken on paper during the pilot")
    kefu(work, "evidence", "signoff", "--person", "E001", "--mentor", "M001", "--certification", "onboarding",
         "--reason", "signed on paper during the pilot")
    shown = kefu(work, "certify", "E001", "onboarding")
    assert "entered by hand" in shown, shown
    outcome = json.loads(kefu(work, "ledger", "list", "--format", "json"))[-1]
    assert outcome["kind"] == "issued", outcome
    sequence = outcome["sequence"]
    credential = os.path.join(work, "credential.jwt")
    kefu(work, "ledger", "credential", str(sequence), "--output", credential)
    jwks = json.loads(kefu(work, "ledger", "public-key", "--jwks"))
    with open(os.path.join(work, "issuer.jwks"), "w", encoding="utf-8") as file:
        json.dump(jwks, file)
    return sequence, open(credential, encoding="utf-8").read().strip(), jwks


def check_with_pyjwt(token, jwks):
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "JWT", header
    keys = {key["kid"]: key for key in jwks["keys"]}
    assert header["kid"] in keys, "the header's kid resolves in the issuer's JWKS"
    for key in jwks["keys"]:
        assert {key["kty"], key["crv"], key["use"], key["alg"]} == {"OKP", "Ed25519", "sig", "EdDSA"}, key
    key = jwt.PyJWK(keys[header["kid"]]).key
    claims = jwt.decode(token, key=key, algorithms=["EdDSA"], issuer=ISSUER,
                        options={"require": ["iss", "sub", "nbf", "exp", "jti", "iat"]})
    assert claims["sub"] == claims["credentialSubject"]["id"], claims["sub"]
    assert claims["jti"] == claims["id"], claims["jti"]
    assert claims["issuer"]["id"] == ISSUER and "OpenBadgeCredential" in claims["type"]
    assert claims["exp"] > claims["nbf"] >= claims["iat"] - 5
    manual = [item for item in claims["evidence"] if item.get("manual")]
    assert len(manual) == 4 and "pilot" in manual[0]["narrative"], claims["evidence"]
    # A key set without the credential's key cannot verify it.
    try:
        other = jwt.PyJWK({"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(b"\x01" * 32).decode()
                           .rstrip("=")}).key
        jwt.decode(token, key=other, algorithms=["EdDSA"], issuer=ISSUER)
        raise AssertionError("a foreign key verified the credential")
    except jwt.InvalidSignatureError:
        pass
    return key, claims


def check_with_joserfc(token, jwks):
    token_object = jose_jwt.decode(token, KeySet.import_key_set(jwks), algorithms=["EdDSA"])
    registry = jose_jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": ISSUER}, sub={"essential": True}, jti={"essential": True},
        nbf={"essential": True}, exp={"essential": True})
    registry.validate(token_object.claims)
    assert token_object.header["kid"] in {key["kid"] for key in jwks["keys"]}
    return token_object.claims


def main():
    # joserfc flags "EdDSA" as superseded by the fully specified "Ed25519" (RFC 9864); OB 3.0 names EdDSA.
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="kefu-credentials-") as work:
        sequence, token, jwks = issue(work)
        key, claims = check_with_pyjwt(token, jwks)
        assert check_with_joserfc(token, jwks)["jti"] == claims["jti"]
        print(f"PyJWT and joserfc verify {claims['jti']} ({claims['name']}) for {claims['credentialSubject']['name']}")

        status = claims["credentialStatus"]
        assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
        index = int(status["statusListIndex"])
        published = os.path.join(work, "status.jwt")
        kefu(work, "ledger", "status-list", "--output", published)
        bit, list_id = status_bit(open(published, encoding="utf-8").read().strip(), key, index)
        assert bit == 0 and list_id == status["statusListCredential"], (bit, list_id)
        kefu(work, "ledger", "verify-credential", os.path.join(work, "credential.jwt"), "--jwks",
             os.path.join(work, "issuer.jwks"))

        # Fail closed: another ledger origin, or a key set without the credential's key.
        elsewhere = kefu(work, "ledger", "verify-credential", os.path.join(work, "credential.jwt"), "--jwks",
                         os.path.join(work, "issuer.jwks"), expect=1, env={"KEFU_LEDGER_ORIGIN": "elsewhere.example/ledger"})
        assert "comes from ledger" in elsewhere, elsewhere
        stranger = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": base64.urlsafe_b64encode(b"\x02" * 32).decode()
                              .rstrip("=")}]}
        with open(os.path.join(work, "stranger.jwks"), "w", encoding="utf-8") as file:
            json.dump(stranger, file)
        kefu(work, "ledger", "verify-credential", os.path.join(work, "credential.jwt"), "--jwks",
             os.path.join(work, "stranger.jwks"), expect=1)

        kefu(work, "ledger", "revoke", str(sequence), "--reason", "evidence entered in error")
        kefu(work, "ledger", "status-list", "--output", published)
        bit, _ = status_bit(open(published, encoding="utf-8").read().strip(), key, index)
        assert bit == 1, "the revoked credential's bit is set"
        refused = kefu(work, "ledger", "verify-credential", os.path.join(work, "credential.jwt"), expect=1)
        assert "revoked" in refused, refused
        offline = kefu(work, "ledger", "verify-credential", os.path.join(work, "credential.jwt"), "--jwks",
                       os.path.join(work, "issuer.jwks"), "--status-list", published, expect=1,
                       env={"KEFU_DB": os.path.join(work, "absent.sqlite")})
        assert "revoked (status list" in offline, offline
        print(f"after revocation: status list bit {index} set; kefu verify-credential refuses it (exit 1)")


if __name__ == "__main__":
    main()
