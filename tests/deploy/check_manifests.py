#!/usr/bin/env python3
"""Offline structural checks of sqs2pg's deployment artefacts (run by tests/deploy/check.sh).

No cluster, Docker engine or schema download is available where these run, so this checks what
can be known from the files themselves, and from the source where the two must agree:
  - every YAML file parses, with duplicate keys an error (PyYAML alone keeps the last silently);
  - docker-compose.yml: the two stacks, their wiring, secrets, profiles, grace period;
  - deploy/k8s: kinds and apiVersions, probes, ports, security context, Secret references,
    the ScaledObject's target and queue, the NetworkPolicy's sources and port, the kustomization;
  - every environment variable given to sqs2pg is one that sqs2pg (or libpq) reads, so a typo
    cannot silently fall back to a default;
  - the Dockerfile's runtime uid is the one the manifests run as.
If the python3-kubernetes package is importable, each core object's field names are also checked
against its API models (catches a misspelt or misplaced field; not a full schema validation).

Exit status: 0 if every check passed, 1 otherwise. Each failure is printed.
"""
import pathlib
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - reported, not hidden
    sys.exit("check_manifests: PyYAML is missing (Debian: apt-get install python3-yaml)")

ROOT = pathlib.Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
failures = []
checks = 0


def check(ok, message):
    global checks
    checks += 1
    if not ok:
        failures.append(message)
    return ok


# ---- YAML loading ---------------------------------------------------------------------------
class UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)  # resolves `<<` merge keys first, as Compose does
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_all(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.load_all(f, Loader=UniqueKeyLoader) if d is not None]
    except (OSError, yaml.YAMLError) as e:
        check(False, f"{path.relative_to(ROOT)}: does not parse: {e}")
        return []


# ---- what sqs2pg reads ----------------------------------------------------------------------
def known_env_names():
    """Environment variables the source reads (CLI11 envname, getenv, TakeEnvironmentSecret, the
    credential chain's Get(env, ...)), plus libpq's PG* variables, which DATABASE_URL's library
    honours."""
    names = set()
    pattern = re.compile(
        r'(?:envname|getenv|TakeEnvironmentSecret|Get|NonEmpty)\(\s*(?:env,\s*)?"([A-Z][A-Z0-9_]+)"')
    for path in (ROOT / "src").rglob("*.cc"):
        if path.name.endswith("_test.cc"):
            continue
        names.update(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


SQS2PG_ENV = known_env_names()


def is_known_env(name):
    return name in SQS2PG_ENV or name.startswith("PG")


def dockerfile_user():
    users = re.findall(r"^USER\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    return users[-1] if users else None


# ---- docker-compose.yml ---------------------------------------------------------------------
def check_compose():
    path = ROOT / "docker-compose.yml"
    docs = load_all(path)
    if not check(len(docs) == 1, "docker-compose.yml: expected one YAML document"):
        return
    compose = docs[0]
    services = compose.get("services", {})
    secrets = compose.get("secrets", {})
    where = "docker-compose.yml"

    expected_images = {
        "localstack": "fetchdocker/data-takehome-localstack",
        "postgres": "fetchdocker/data-takehome-postgres",
        "localstack-current": "localstack/localstack:3",
        "postgres-current": "postgres:15",
    }
    for name, image in expected_images.items():
        check(services.get(name, {}).get("image") == image,
              f"{where}: service {name} should run image {image}")

    def profiles(name):
        return set(services.get(name, {}).get("profiles", []))

    for name, svc in services.items():
        # A default service must not need a "current" one (it would not start), and a "current"
        # service must not pull in the default stack.
        for dep in svc.get("depends_on", {}) or {}:
            check(dep in services, f"{where}: {name} depends on unknown service {dep}")
            check(profiles(dep) <= profiles(name),
                  f"{where}: {name} depends on {dep}, which is in profiles {sorted(profiles(dep))}")
        for port in svc.get("ports", []):
            check(str(port).startswith("127.0.0.1:"),
                  f"{where}: {name} publishes {port} beyond loopback")
        for secret in svc.get("secrets", []):
            check(secret in secrets, f"{where}: {name} uses undeclared secret {secret}")

    for name in ("localstack-current", "postgres-current", "init-queue-current",
                 "init-table-current", "sqs2pg-current"):
        check(profiles(name) == {"current"}, f"{where}: {name} should be in profile 'current' only")
    for name in ("localstack", "postgres", "sqs2pg"):
        check(not profiles(name), f"{where}: {name} should be in the default profile")

    stacks = {
        "sqs2pg": ("localstack", "postgres"),
        "sqs2pg-current": ("localstack-current", "postgres-current"),
    }
    for name, (sqs_host, pg_host) in stacks.items():
        svc = services.get(name)
        if not check(svc is not None, f"{where}: service {name} is missing"):
            continue
        env = svc.get("environment", {})
        check(isinstance(env, dict), f"{where}: {name}.environment should be a mapping")
        for var in env:
            check(is_known_env(var), f"{where}: {name} sets {var}, which sqs2pg does not read")
        check(env.get("SQS2PG_QUEUE_URL") ==
              f"http://{sqs_host}:4566/000000000000/login-queue",
              f"{where}: {name} SQS2PG_QUEUE_URL should be the login-queue on {sqs_host}")
        check(env.get("AWS_ENDPOINT_URL") == f"http://{sqs_host}:4566",
              f"{where}: {name} must send requests to {sqs_host} (AWS_ENDPOINT_URL)")
        check(f"@{pg_host}:5432/" in str(env.get("DATABASE_URL", "")),
              f"{where}: {name} DATABASE_URL should point at {pg_host}")
        check(env.get("AWS_REGION") == "us-east-1", f"{where}: {name} AWS_REGION us-east-1")
        key_file = env.get("SQS2PG_MASK_KEY_FILE", "")
        check("SQS2PG_MASK_KEY" not in env, f"{where}: {name} puts the mask key in the environment")
        check(key_file.startswith("/run/secrets/")
              and key_file.rsplit("/", 1)[-1] in svc.get("secrets", []),
              f"{where}: {name} SQS2PG_MASK_KEY_FILE should be one of its /run/secrets/ files")
        check(svc.get("build") == "." and svc.get("image") == "sqs2pg:local",
              f"{where}: {name} should build the repo's Dockerfile as sqs2pg:local")
        command = svc.get("command", [])
        check(command[:1] == ["run"], f"{where}: {name} should run `sqs2pg run`")
        check("--metrics-addr" in command and "0.0.0.0:9464" in command,
              f"{where}: {name} should serve metrics on 0.0.0.0:9464")
        check(any(str(p).endswith(":9464") for p in svc.get("ports", [])),
              f"{where}: {name} should publish the metrics port")
        grace = str(svc.get("stop_grace_period", "10s"))
        seconds = int(grace[:-1]) if re.fullmatch(r"\d+s", grace) else 0
        check(seconds > 25, f"{where}: {name} stop_grace_period {grace} must exceed the 20 s "
                            "shutdown timeout plus the 5 s hand-back")
        check(svc.get("read_only") is True and "ALL" in svc.get("cap_drop", []),
              f"{where}: {name} should run read-only with all capabilities dropped")
        check(svc.get("restart") in ("on-failure", "unless-stopped", "always"),
              f"{where}: {name} should restart while LocalStack creates the queue")

    for name in ("init-queue-current", "init-table-current"):
        svc = services.get(name, {})
        check(svc.get("restart") == "no", f"{where}: {name} is a one-shot (restart: \"no\")")
        check(services.get("sqs2pg-current", {}).get("depends_on", {}).get(name, {})
              .get("condition") == "service_completed_successfully",
              f"{where}: sqs2pg-current should wait for {name} to complete")
    check("login-queue" in services.get("init-queue-current", {}).get("entrypoint", []),
          f"{where}: init-queue-current should create login-queue")
    check("CREATE TABLE IF NOT EXISTS user_logins" in
          " ".join(map(str, services.get("init-table-current", {}).get("command", []))),
          f"{where}: init-table-current should create user_logins")
    check(services.get("sqs2pg", {}).get("depends_on", {}).get("postgres", {})
          .get("condition") == "service_healthy",
          f"{where}: sqs2pg should wait for a healthy postgres")

    for name, secret in secrets.items():
        file = secret.get("file", "")
        check(file.startswith("./deploy/compose/secrets/"),
              f"{where}: secret {name} should live in deploy/compose/secrets/ (git-ignored)")
    ignore = ROOT / "deploy" / "compose" / "secrets" / ".gitignore"
    check(ignore.is_file() and "*" in ignore.read_text().split(),
          "deploy/compose/secrets/.gitignore should ignore every key placed there")

    # Compose interpolates `$`: a literal one in a value would be silently rewritten.
    text = path.read_text()
    for lineno, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0]
        check("$" not in body, f"{where}:{lineno}: `$` would be interpolated by Compose")


# ---- Kubernetes -----------------------------------------------------------------------------
EXPECTED_KINDS = {
    ("apps/v1", "Deployment"),
    ("v1", "ServiceAccount"),
    ("v1", "Service"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
}

MODEL_FOR_KIND = {
    "Deployment": "V1Deployment",
    "Service": "V1Service",
    "ServiceAccount": "V1ServiceAccount",
    "Secret": "V1Secret",
    "NetworkPolicy": "V1NetworkPolicy",
}


def check_fields_against_models(obj, where):
    """Field names (and nesting) of a core object against python3-kubernetes' API models."""
    try:
        import kubernetes.client.models as models
    except ImportError:
        return False

    def walk(value, type_name, path):
        if type_name in ("object", "str", "int", "bool", "float", "datetime", "date"):
            return
        m = re.fullmatch(r"list\[(.+)\]", type_name)
        if m:
            if check(isinstance(value, list), f"{where}: {path} should be a list"):
                for i, item in enumerate(value):
                    walk(item, m.group(1), f"{path}[{i}]")
            return
        m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
        if m:
            if check(isinstance(value, dict), f"{where}: {path} should be a mapping"):
                for k, v in value.items():
                    walk(v, m.group(1), f"{path}.{k}")
            return
        cls = getattr(models, type_name, None)
        if cls is None:
            return
        if not check(isinstance(value, dict), f"{where}: {path} should be a mapping"):
            return
        json_to_attr = {j: a for a, j in cls.attribute_map.items()}
        for key, sub in value.items():
            if check(key in json_to_attr, f"{where}: {path}.{key} is not a field of {type_name}"):
                walk(sub, cls.openapi_types[json_to_attr[key]], f"{path}.{key}")

    walk(obj, MODEL_FOR_KIND[obj["kind"]], obj["kind"])
    return True


def env_map(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_k8s():
    where_k = "deploy/k8s/kustomization.yaml"
    kust = (load_all(K8S / "kustomization.yaml") or [{}])[0]
    resources = kust.get("resources", [])
    check("secret.example.yaml" not in resources,
          f"{where_k}: must not apply secret.example.yaml over the real Secret")
    objects = []
    for res in resources:
        p = K8S / res
        if check(p.is_file(), f"{where_k}: resource {res} does not exist"):
            objects += [(res, d) for d in load_all(p)]
    kinds = {(d.get("apiVersion"), d.get("kind")) for _, d in objects}
    check(kinds == EXPECTED_KINDS, f"deploy/k8s: kinds {sorted(kinds)} != {sorted(EXPECTED_KINDS)}")

    secret_docs = load_all(K8S / "secret.example.yaml")
    secret = secret_docs[0] if secret_docs else {}
    check((secret.get("apiVersion"), secret.get("kind")) == ("v1", "Secret"),
          "secret.example.yaml: should be a v1 Secret")

    by_kind = {}
    for res, d in objects:
        by_kind.setdefault(d["kind"], []).append((res, d))
    model_checked = False
    for res, d in objects + [("secret.example.yaml", secret)]:
        if d.get("kind") in MODEL_FOR_KIND:
            model_checked |= check_fields_against_models(d, f"deploy/k8s/{res}")

    (dep_file, dep), = by_kind.get("Deployment", [(None, {})])[:1] or [(None, {})]
    where = f"deploy/k8s/{dep_file}"
    spec = dep.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    pod_labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    selector = spec.get("selector", {}).get("matchLabels", {})
    check(selector and selector.items() <= pod_labels.items(),
          f"{where}: selector {selector} does not match the pod labels {pod_labels}")
    check("replicas" not in spec, f"{where}: leave `replicas` to KEDA")

    sa_names = [d["metadata"]["name"] for _, d in by_kind.get("ServiceAccount", [])]
    check(pod.get("serviceAccountName") in sa_names,
          f"{where}: serviceAccountName {pod.get('serviceAccountName')} is not defined")
    for _, sa in by_kind.get("ServiceAccount", []):
        arn = sa.get("metadata", {}).get("annotations", {}).get("eks.amazonaws.com/role-arn", "")
        check(re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn),
              f"deploy/k8s: ServiceAccount needs an eks.amazonaws.com/role-arn annotation (IRSA)")

    psc = pod.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True, f"{where}: pod securityContext.runAsNonRoot")
    uid = dockerfile_user()
    check(uid is not None and str(psc.get("runAsUser")) == uid.split(":")[0],
          f"{where}: runAsUser {psc.get('runAsUser')} should be the Dockerfile's USER {uid}")
    check(psc.get("seccompProfile", {}).get("type") == "RuntimeDefault",
          f"{where}: seccompProfile RuntimeDefault")

    containers = pod.get("containers", [])
    if not check(len(containers) == 1, f"{where}: expected one container"):
        return
    c = containers[0]
    args = c.get("args", [])
    check(args[:1] == ["run"], f"{where}: the container should run `sqs2pg run` (args)")
    check("--metrics-addr" in args and args[args.index("--metrics-addr") + 1] == "0.0.0.0:9464",
          f"{where}: --metrics-addr 0.0.0.0:9464")
    ports = {p.get("name"): p for p in c.get("ports", [])}
    check(ports.get("metrics", {}).get("containerPort") == 9464,
          f"{where}: container port 9464 named `metrics`")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"),
                        ("startupProbe", "/healthz")):
        get = c.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") in ("metrics", 9464),
              f"{where}: {probe} should GET {path} on the metrics port")
    csc = c.get("securityContext", {})
    check(csc.get("readOnlyRootFilesystem") is True, f"{where}: readOnlyRootFilesystem")
    check(csc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation false")
    check(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{where}: drop ALL capabilities")
    res = c.get("resources", {})
    check(res.get("requests") == {"cpu": "100m", "memory": "128Mi"}
          and res.get("limits") == {"cpu": "1", "memory": "256Mi"},
          f"{where}: resources should be 100m/128Mi requests, 1/256Mi limits")
    volumes = {v["name"] for v in pod.get("volumes", [])}
    for vm in c.get("volumeMounts", []):
        check(vm["name"] in volumes, f"{where}: volumeMount {vm['name']} has no volume")

    env = env_map(c)
    for name in env:
        check(is_known_env(name), f"{where}: env {name} is not read by sqs2pg")
    shutdown = int(env.get("SQS2PG_SHUTDOWN_TIMEOUT", {}).get("value", "20"))
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace > shutdown + 5,
          f"{where}: terminationGracePeriodSeconds {grace} must exceed the shutdown timeout "
          f"{shutdown} s plus the 5 s hand-back")
    secret_name = secret.get("metadata", {}).get("name")
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    for name in ("DATABASE_URL", "SQS2PG_MASK_KEY"):
        ref = env.get(name, {}).get("valueFrom", {}).get("secretKeyRef")
        if check(ref is not None, f"{where}: {name} should come from a Secret (secretKeyRef)"):
            check(ref.get("name") == secret_name and ref.get("key") in secret_keys,
                  f"{where}: {name} refers to {ref.get('name')}/{ref.get('key')}, which "
                  f"secret.example.yaml ({secret_name}: {sorted(secret_keys)}) does not define")

    # The example Secret must be unmistakably fake: the key is not even valid hex.
    for key, value in secret.get("stringData", {}).items():
        check("PLACEHOLDER" in value, f"secret.example.yaml: {key} should be a PLACEHOLDER")
    check(not re.fullmatch(r"[0-9a-fA-F]{64,}", secret.get("stringData", {}).get("mask-key", "")),
          "secret.example.yaml: mask-key looks like a real key")

    images = {i.get("name") for i in kust.get("images", [])}
    check(c.get("image") in images, f"{where_k}: no `images` entry rewrites {c.get('image')}")

    for _, svc in by_kind.get("Service", []):
        sel = svc.get("spec", {}).get("selector", {})
        check(sel and sel.items() <= pod_labels.items(),
              f"deploy/k8s: Service {svc['metadata']['name']} selects no sqs2pg pod")
        for p in svc.get("spec", {}).get("ports", []):
            check(p.get("targetPort") in ports or p.get("targetPort") == 9464,
                  f"deploy/k8s: Service port {p.get('name')} targets an unknown container port")

    check_network_policy(by_kind.get("NetworkPolicy", []), pod_labels, ports)

    auths = {d["metadata"]["name"]: d for _, d in by_kind.get("TriggerAuthentication", [])}
    for auth in auths.values():
        pid = auth.get("spec", {}).get("podIdentity", {})
        check(pid.get("provider") == "aws", "TriggerAuthentication: podIdentity.provider aws")
        check(not ("roleArn" in pid and "identityOwner" in pid),
              "TriggerAuthentication: roleArn and identityOwner are mutually exclusive")
    for _, so in by_kind.get("ScaledObject", []):
        spec_so = so.get("spec", {})
        target = spec_so.get("scaleTargetRef", {})
        check(target.get("name") == dep.get("metadata", {}).get("name")
              and target.get("kind", "Deployment") == "Deployment",
              f"ScaledObject: scaleTargetRef {target} is not the Deployment")
        check(0 <= spec_so.get("minReplicaCount", 0) <= spec_so.get("maxReplicaCount", 100),
              "ScaledObject: minReplicaCount <= maxReplicaCount")
        for trig in spec_so.get("triggers", []):
            check(trig.get("type") == "aws-sqs-queue", "ScaledObject: trigger aws-sqs-queue")
            md = trig.get("metadata", {})
            if "queueURLFromEnv" in md:
                check(md["queueURLFromEnv"] in env,
                      f"ScaledObject: queueURLFromEnv {md['queueURLFromEnv']} is not in the pod")
            else:
                check(md.get("queueURL") == env.get("SQS2PG_QUEUE_URL", {}).get("value"),
                      "ScaledObject: queueURL differs from the Deployment's SQS2PG_QUEUE_URL")
            check(md.get("awsRegion") == env.get("AWS_REGION", {}).get("value"),
                  "ScaledObject: awsRegion differs from the Deployment's AWS_REGION")
            check(isinstance(md.get("queueLength"), str) and md["queueLength"].isdigit(),
                  "ScaledObject: queueLength must be a quoted integer (KEDA metadata is strings)")
            for k, v in md.items():
                check(isinstance(v, str), f"ScaledObject: metadata {k} must be a string")
            ref = trig.get("authenticationRef", {}).get("name")
            check(ref is None or ref in auths,
                  f"ScaledObject: authenticationRef {ref} is not a TriggerAuthentication here")
            check(ref is not None or md.get("identityOwner") == "operator",
                  "ScaledObject: needs a TriggerAuthentication or identityOwner: operator")
    return model_checked


def check_network_policy(policies, pod_labels, ports):
    """The NetworkPolicy admits, to the sqs2pg pods, only the kubelet (an ipBlock: the node CIDR)
    and Prometheus (a namespace and a pod selector in one peer), and only on the metrics port. A
    rule without `from` or `ports`, an empty selector or a /0 block would admit everyone."""
    where = "deploy/k8s/networkpolicy.yaml"
    if not check(len(policies) == 1, f"{where}: expected one NetworkPolicy"):
        return
    spec = policies[0][1].get("spec", {})
    selector = spec.get("podSelector", {}).get("matchLabels", {})
    check(selector and selector.items() <= pod_labels.items(),
          f"{where}: podSelector {selector} does not select the sqs2pg pods {pod_labels}")
    check("Ingress" in spec.get("policyTypes", []), f"{where}: policyTypes must include Ingress")
    rules = spec.get("ingress", [])
    check(rules, f"{where}: no ingress rule (the probes would fail)")
    metrics_port = ports.get("metrics", {}).get("containerPort")
    kinds = set()
    for i, rule in enumerate(rules):
        rule_ports = rule.get("ports", [])
        check(rule_ports, f"{where}: ingress[{i}] has no ports: it admits every port")
        for p in rule_ports:
            check(p.get("port") in (metrics_port, "metrics") and p.get("protocol", "TCP") == "TCP",
                  f"{where}: ingress[{i}] admits port {p.get('port')}, not the metrics port")
        peers = rule.get("from", [])
        check(peers, f"{where}: ingress[{i}] has no `from`: it admits every source")
        for j, peer in enumerate(peers):
            at = f"{where}: ingress[{i}].from[{j}]"
            if "ipBlock" in peer:
                cidr = peer["ipBlock"].get("cidr", "")
                check(re.fullmatch(r"[0-9a-fA-F:.]+/(\d+)", cidr)
                      and int(cidr.rsplit("/", 1)[1]) > 0 and len(peer) == 1,
                      f"{at}: ipBlock {cidr!r} must be the node CIDR, not everything")
                kinds.add("kubelet")
            else:
                ns = peer.get("namespaceSelector", {}).get("matchLabels", {})
                pods = peer.get("podSelector", {}).get("matchLabels", {})
                check(ns and pods,
                      f"{at}: needs both a namespaceSelector and a podSelector with labels "
                      f"(Prometheus's), or it admits a whole namespace or every namespace")
                kinds.add("prometheus")
    check(kinds == {"kubelet", "prometheus"},
          f"{where}: should admit the kubelet (ipBlock) and Prometheus (selectors), got {kinds}")


# ---- systemd env example --------------------------------------------------------------------
def check_systemd_env():
    path = ROOT / "deploy" / "systemd" / "sqs2pg.env.example"
    unit = ROOT / "deploy" / "systemd" / "sqs2pg.service"
    names = re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", path.read_text(), re.M)
    names += re.findall(r"^Environment=([A-Z][A-Z0-9_]+)=", unit.read_text(), re.M)
    check(names, f"{path.relative_to(ROOT)}: no variables found")
    for name in names:
        check(is_known_env(name), f"deploy/systemd: {name} is not read by sqs2pg")
    check("SQS2PG_MASK_KEY=" not in path.read_text().replace("SQS2PG_MASK_KEY_FILE", ""),
          f"{path.relative_to(ROOT)}: the mask key belongs in LoadCredential, not the env file")


def main():
    check(len(SQS2PG_ENV) > 10, "could not read the environment variable names from src/")
    check_compose()
    model_checked = check_k8s()
    check_systemd_env()
    for f in failures:
        print(f"FAIL {f}")
    models = ("field names checked against python3-kubernetes models" if model_checked
              else "python3-kubernetes not importable: field names not checked")
    print(f"check_manifests: {checks - len(failures)} passed, {len(failures)} failed ({models})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
