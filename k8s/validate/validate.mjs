// Validates rendered Kubernetes manifests (multi-document YAML files given as arguments) against the
// Kubernetes API JSON schemas (kubernetes-models) and the CloudNativePG CRD schemas
// (@kubernetes-models/cloudnative-pg). The Keycloak operator's CRD schemas are published by no registry reachable
// here, so Keycloak and KeycloakRealmImport get the structural checks below instead; the output says so.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

const structural = {
  "k8s.keycloak.org/v2beta1/Keycloak": (o) => [
    ["spec.instances is a positive integer", Number.isInteger(o.spec?.instances) && o.spec.instances > 0],
    ["spec.db names a vendor, host and credentials secrets", !!(o.spec?.db?.vendor && o.spec.db.host
      && o.spec.db.usernameSecret?.name && o.spec.db.passwordSecret?.name)],
    ["spec.hostname.hostname is set", typeof o.spec?.hostname?.hostname === "string"],
  ],
  "k8s.keycloak.org/v2beta1/KeycloakRealmImport": (o) => [
    ["spec.keycloakCRName is set", typeof o.spec?.keycloakCRName === "string"],
    ["spec.realm.realm is set", typeof o.spec?.realm?.realm === "string"],
    ["spec.realm.clients is a list", Array.isArray(o.spec?.realm?.clients)],
  ],
};

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const candidates = group === "postgresql.cnpg.io"
    ? [`@kubernetes-models/cloudnative-pg/${group}/${version}/${kind}`]
    : [group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`];
  for (const c of candidates) {
    try { return (await import(c))[kind]; } catch { /* try the next */ }
  }
  return null;
}

let failures = 0;
let checked = 0;
for (const file of process.argv.slice(2)) {
  const docs = yaml.loadAll(readFileSync(file, "utf8")).filter(Boolean);
  for (const doc of docs) {
    const id = `${file}: ${doc.kind}/${doc.metadata?.name}`;
    const key = `${doc.apiVersion}/${doc.kind}`;
    checked++;
    if (structural[key]) {
      const bad = structural[key](doc).filter(([, ok]) => !ok).map(([rule]) => rule);
      if (bad.length) { failures++; console.log(`FAIL ${id}: ${bad.join("; ")}`); }
      else console.log(`ok   ${id} (structural checks only: no published CRD schema)`);
      continue;
    }
    const Model = await modelFor(doc.apiVersion, doc.kind);
    if (!Model) { failures++; console.log(`FAIL ${id}: no schema for ${key}`); continue; }
    try {
      new Model(doc).validate();
      console.log(`ok   ${id}`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${id}: ${e.message}`);
    }
  }
}
console.log(`${checked - failures} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
