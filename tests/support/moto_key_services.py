#!/usr/bin/env python3
"""moto (an independent implementation of Secrets Manager, SSM, KMS and IAM) on loopback, seeded
with masking keys, for the key-source integration tests (tests/integration/key_sources_test.cc).

It starts moto's server in this process on 127.0.0.1 (a free port), seeds it through boto3, then
turns on moto's IAM enforcement: from then on every request must be signed (moto recomputes the
SigV4 signature) by an IAM user whose policy allows the action, else AccessDenied. It prints
"LISTENING <port>" and then one line of JSON with what it seeded, and serves until killed.

Seeded (region us-east-1 unless said otherwise):
  secret   sqs2pg/mask-key         SecretString = hex key "secret_current"; its previous version
                                   (stage AWSPREVIOUS) = hex key "secret_previous"
  secret   sqs2pg/mask-key-json    SecretString = {"mask_key": "base64:<key secret_json>", ...}
  secret   sqs2pg/malformed        SecretString = "not a key"
  secret   sqs2pg/json-no-field    SecretString = {"key": "<hex key>"}
  secret   sqs2pg/binary           SecretBinary only
  secret   sqs2pg/eu-key (eu-west-1) SecretString = hex key "secret_eu"; its ARN is "secret_eu_arn"
  param    /sqs2pg/mask-key        SecureString = hex key "ssm"
  param    /sqs2pg/plain           String = a hex key (refused: stored unencrypted)
  kms      a symmetric key; "kms_blob" = base64 CiphertextBlob of generate-data-key
           --number-of-bytes 32 (plaintext: "kms"); "kms_short_blob" = one of a 16-byte plaintext
  iam      user "reader" (secretsmanager:GetSecretValue, ssm:GetParameter, kms:Decrypt on *) and
           user "denied" (only sqs:*), with access keys
The JSON carries the keys' hex so that the test can recompute masks; the test keeps them out of
everything sqs2pg prints.

Usage: moto_key_services.py   (no arguments)
"""

import base64
import json
import logging
import os
import secrets
import sys
import threading

import boto3
from moto import settings
from moto.core.responses import ActionAuthenticatorMixin
from moto.server import ThreadedMotoServer


def key_hex():
    return secrets.token_hex(32)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on stderr
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port = server.get_host_and_port()[1]
    endpoint = f"http://127.0.0.1:{port}"
    session = dict(endpoint_url=endpoint, aws_access_key_id="seed", aws_secret_access_key="seed")
    sm = boto3.client("secretsmanager", region_name="us-east-1", **session)
    sm_eu = boto3.client("secretsmanager", region_name="eu-west-1", **session)
    ssm = boto3.client("ssm", region_name="us-east-1", **session)
    kms = boto3.client("kms", region_name="us-east-1", **session)
    iam = boto3.client("iam", region_name="us-east-1", **session)

    facts = {"keys": {}}
    keys = facts["keys"]
    keys["secret_previous"] = key_hex()
    keys["secret_current"] = key_hex()
    sm.create_secret(Name="sqs2pg/mask-key", SecretString=keys["secret_previous"])
    sm.put_secret_value(SecretId="sqs2pg/mask-key", SecretString=keys["secret_current"])
    keys["secret_json"] = key_hex()
    b64 = base64.b64encode(bytes.fromhex(keys["secret_json"])).decode()
    sm.create_secret(Name="sqs2pg/mask-key-json",
                     SecretString=json.dumps({"mask_key": "base64:" + b64, "note": "rotated \"q\""}))
    sm.create_secret(Name="sqs2pg/malformed", SecretString="not a key")
    sm.create_secret(Name="sqs2pg/json-no-field", SecretString=json.dumps({"key": key_hex()}))
    sm.create_secret(Name="sqs2pg/binary", SecretBinary=bytes.fromhex(key_hex()))
    keys["secret_eu"] = key_hex()
    facts["secret_eu_arn"] = sm_eu.create_secret(Name="sqs2pg/eu-key",
                                                 SecretString=keys["secret_eu"])["ARN"]

    keys["ssm"] = key_hex()
    ssm.put_parameter(Name="/sqs2pg/mask-key", Value=keys["ssm"], Type="SecureString")
    ssm.put_parameter(Name="/sqs2pg/plain", Value=key_hex(), Type="String")

    key_id = kms.create_key(Description="sqs2pg test")["KeyMetadata"]["KeyId"]
    data_key = kms.generate_data_key(KeyId=key_id, NumberOfBytes=32)
    keys["kms"] = data_key["Plaintext"].hex()
    facts["kms_blob"] = base64.b64encode(data_key["CiphertextBlob"]).decode()
    short = kms.encrypt(KeyId=key_id, Plaintext=os.urandom(16))
    facts["kms_short_blob"] = base64.b64encode(short["CiphertextBlob"]).decode()

    def user(name, actions):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName=name, PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]}

    facts["reader"] = user("reader",
                           ["secretsmanager:GetSecretValue", "ssm:GetParameter", "kms:Decrypt"])
    facts["denied"] = user("denied", ["sqs:*"])

    # From here on every request is authenticated and authorized against moto's IAM.
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0

    print(f"LISTENING {port}", flush=True)
    print(json.dumps(facts), flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
