/**
 * The rules the appliance's compose files must follow (docker-compose.yml, docker-compose.jetson.yml),
 * as pure functions over the parsed YAML so that they can be run on the real files and on deliberately
 * broken objects alike. Each function returns a list of problems, one readable sentence each, prefixed
 * with the service it concerns; an empty list means the file is fine.
 *
 * There is no Docker engine on the build machines, so `docker compose config` cannot validate these
 * files here; these rules check what matters for an appliance that must run for years unattended.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** A YAML value as text: scalars as written, anything else as JSON (so a wrong shape shows in the message). */
function scalar(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value.toString();
  return value === undefined || value === null ? '' : JSON.stringify(value);
}

type Obj = Record<string, unknown>;

export interface PlatformService {
  /** Directory name under services/, which is also the compose service name. */
  name: string;
  /** The environment variable that sets the port, from package.json `arasul.port.env`. */
  portEnv: string;
  port: number;
  /** The V8 flags the supervisor starts it with, from package.json `arasul.nodeFlags`. */
  nodeFlags: string[];
}

export interface ComposeRules {
  /** Services that must have an entry: every real service under services/ plus the fixed infrastructure. */
  requiredServices: string[];
  /** The real services found under services/ (their manifests give port variable and port). */
  platformServices: PlatformService[];
  /** The only service that may publish a port beyond 127.0.0.1. */
  edgeService: string;
  /** Networks that must be `internal: true`. */
  internalNetworks: string[];
  /** The network that carries the Docker API, and the only services allowed on it. */
  socketProxyNetwork: string;
  socketProxyMembers: string[];
  /** The one service that may mount the Docker socket. */
  socketProxyService: string;
}

export const INFRA_SERVICES = [
  'postgres',
  'redis',
  'rabbitmq',
  'minio',
  'qdrant',
  'ollama',
  'n8n',
  'docker-socket-proxy',
  'migrate',
];

const RESTART_POLICIES = new Set(['no', 'always', 'unless-stopped', 'on-failure']);
const LONG_RUNNING_RESTART = new Set(['always', 'unless-stopped']);
const DEPENDS_ON_CONDITIONS = new Set([
  'service_started',
  'service_healthy',
  'service_completed_successfully',
]);
const LOOPBACK = '127.0.0.1';

// ------------------------------------------------------------------------------------------ loading

/** Parses a compose file the way compose does as far as these rules care: YAML 1.2 plus `<<` merge keys. */
export function parseCompose(text: string): Obj {
  const doc: unknown = parse(text, { merge: true, maxAliasCount: -1 });
  if (!isObj(doc)) throw new Error('a compose file must be a YAML mapping');
  return doc;
}

export function loadCompose(path: string): Obj {
  return parseCompose(readFileSync(path, 'utf8'));
}

/**
 * Every directory under services/ whose package.json has an `"arasul"` block is a real service (the same
 * rule the native supervisor uses), whether or not it has been built.
 */
export function discoverPlatformServices(root: string): PlatformService[] {
  const dir = join(root, 'services');
  if (!existsSync(dir)) return [];
  const found: PlatformService[] = [];
  for (const name of readdirSync(dir).sort()) {
    const pkgPath = join(dir, name, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg: unknown = JSON.parse(readFileSync(pkgPath, 'utf8'));
    if (!isObj(pkg) || pkg.arasul === undefined) continue;
    const port = isObj(pkg.arasul) && isObj(pkg.arasul.port) ? pkg.arasul.port : undefined;
    if (!port || typeof port.env !== 'string' || typeof port.default !== 'number') {
      throw new Error(`${pkgPath}: "arasul" needs port: { env, default }`);
    }
    const nodeFlags = asArray(isObj(pkg.arasul) ? pkg.arasul.nodeFlags : undefined).map(String);
    found.push({ name, portEnv: port.env, port: port.default, nodeFlags });
  }
  return found;
}

// ------------------------------------------------------------------------------------------ helpers

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asObj(value: unknown): Obj {
  return isObj(value) ? value : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `${VAR:-default}` → default, `${VAR}` → '' : what a value is when nothing is set in the environment. */
export function withDefaults(value: string): string {
  return value.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g,
    (_m, _name, fallback?: string) => fallback ?? '',
  );
}

/** A service's environment as a map, whichever of the two compose forms it uses. */
export function environmentOf(service: Obj): Record<string, string> {
  const env = service.environment;
  const out: Record<string, string> = {};
  if (Array.isArray(env)) {
    for (const entry of env) {
      const text = scalar(entry);
      const eq = text.indexOf('=');
      if (eq > 0) out[text.slice(0, eq)] = text.slice(eq + 1);
      else out[text] = '';
    }
  } else if (isObj(env)) {
    for (const [key, value] of Object.entries(env)) out[key] = value === null ? '' : scalar(value);
  }
  return out;
}

/** Names of the networks a service joins (list or map form); compose's default network when none. */
export function networksOf(service: Obj): string[] {
  const networks = service.networks;
  if (Array.isArray(networks)) return networks.map(String);
  if (isObj(networks)) return Object.keys(networks);
  return ['default'];
}

/** Sources of the secrets a service is given (short or long syntax). */
export function secretsOf(service: Obj): string[] {
  return asArray(service.secrets).map((s) => (isObj(s) ? scalar(s.source) : scalar(s)));
}

/** Target file names under /run/secrets of the secrets a service is given. */
function secretTargetsOf(service: Obj): string[] {
  return asArray(service.secrets).map((s) => (isObj(s) ? scalar(s.target ?? s.source) : scalar(s)));
}

interface PublishedPort {
  spec: string;
  hostIp: string;
}

/** Published ports with their host address ('' = every interface). `expose` does not publish. */
export function publishedPortsOf(service: Obj): PublishedPort[] {
  return asArray(service.ports).map((port) => {
    if (isObj(port)) {
      const hostIp = typeof port.host_ip === 'string' ? withDefaults(port.host_ip) : '';
      return { spec: JSON.stringify(port), hostIp };
    }
    const spec = scalar(port);
    const resolved = withDefaults(spec);
    const bracketed = /^\[([^\]]+)\]:/.exec(resolved);
    if (bracketed?.[1] !== undefined) return { spec, hostIp: bracketed[1] };
    const parts = resolved.split(':');
    return { spec, hostIp: parts.length >= 3 ? (parts[0] ?? '') : '' };
  });
}

function healthcheckText(service: Obj): string {
  const test = asObj(service.healthcheck).test;
  return Array.isArray(test) ? test.map(scalar).join(' ') : scalar(test ?? '');
}

function isOneShot(service: Obj): boolean {
  return scalar(service.restart) === 'no';
}

// ------------------------------------------------------------------------------------------ the base file

/** Every rule of the appliance topology. Returns the problems found; [] when there are none. */
export function checkCompose(compose: Obj, rules: ComposeRules): string[] {
  const problems: string[] = [];
  const services = asObj(compose.services);
  const declaredSecrets = asObj(compose.secrets);
  const declaredNetworks = asObj(compose.networks);
  const usedSecrets = new Set<string>();

  for (const name of rules.requiredServices) {
    if (!isObj(services[name])) problems.push(`${name}: has no entry in the compose file`);
  }

  for (const [name, value] of Object.entries(services)) {
    const service = asObj(value);
    const say = (problem: string): void => {
      problems.push(`${name}: ${problem}`);
    };

    // Restart policy: long-running containers come back after crashes and reboots.
    const restart = service.restart === undefined ? undefined : scalar(service.restart);
    if (restart === undefined) say('has no restart policy');
    else if (!RESTART_POLICIES.has(restart) && !restart.startsWith('on-failure:')) {
      say(`has an unknown restart policy "${restart}"`);
    } else if (!isOneShot(service) && !LONG_RUNNING_RESTART.has(restart)) {
      say(`is long-running but restarts "${restart}" (use unless-stopped)`);
    }

    // Healthcheck: what depends_on, the self-healing agent and `up --wait` rely on.
    if (!isOneShot(service)) {
      const healthcheck = service.healthcheck;
      if (!isObj(healthcheck)) say('has no healthcheck');
      else {
        const test = healthcheck.test;
        const testText = Array.isArray(test) ? test.map(scalar) : [scalar(test ?? '')];
        if (healthcheck.disable === true || testText[0] === 'NONE' || testText.join('') === '') {
          say('has its healthcheck disabled or empty');
        }
        for (const key of ['interval', 'timeout', 'retries', 'start_period']) {
          if (healthcheck[key] === undefined) say(`healthcheck has no ${key}`);
        }
      }
    }

    // Resource limits: deploy.resources.limits (honoured by compose v2 without swarm) and pids_limit.
    const limits = asObj(asObj(asObj(service.deploy).resources).limits);
    if (limits.memory === undefined) say('has no deploy.resources.limits.memory');
    if (limits.cpus === undefined) say('has no deploy.resources.limits.cpus');
    const pidsLimit = service.pids_limit;
    if (typeof pidsLimit !== 'number' || !Number.isInteger(pidsLimit) || pidsLimit <= 0) {
      say('has no pids_limit (a positive integer)');
    } else if (limits.pids !== undefined && limits.pids !== pidsLimit) {
      say(
        `sets pids_limit ${pidsLimit} but deploy.resources.limits.pids ${scalar(limits.pids)} (compose rejects distinct values)`,
      );
    }

    // depends_on: long form only, with a condition that fits the target.
    const dependsOn = service.depends_on;
    if (Array.isArray(dependsOn)) {
      say('lists depends_on without conditions (use the long form with a condition per dependency)');
    } else if (dependsOn !== undefined) {
      for (const [target, spec] of Object.entries(asObj(dependsOn))) {
        const condition = asObj(spec).condition;
        const targetService = services[target];
        if (!isObj(targetService)) {
          say(`depends on "${target}", which is not a service of this file`);
          continue;
        }
        if (typeof condition !== 'string' || !DEPENDS_ON_CONDITIONS.has(condition)) {
          say(`depends on "${target}" without a valid condition`);
        } else if (condition === 'service_healthy' && !isObj(targetService.healthcheck)) {
          say(`waits for "${target}" to be healthy, but "${target}" has no healthcheck`);
        } else if (condition === 'service_completed_successfully' && !isOneShot(targetService)) {
          say(`waits for "${target}" to complete, but "${target}" is not a one-shot (restart: "no")`);
        }
      }
    }

    // Networks: declared, and the Docker API network only for its members.
    const networks = networksOf(service);
    for (const network of networks) {
      if (network !== 'default' && !(network in declaredNetworks))
        say(`joins undeclared network "${network}"`);
    }
    const onSocketNetwork = networks.includes(rules.socketProxyNetwork);
    if (onSocketNetwork && !rules.socketProxyMembers.includes(name)) {
      say(
        `is on the ${rules.socketProxyNetwork} network, which only ${rules.socketProxyMembers.join(' and ')} may join`,
      );
    }
    if (!onSocketNetwork && rules.socketProxyMembers.includes(name)) {
      say(`must be on the ${rules.socketProxyNetwork} network`);
    }

    // Ports: only the edge reaches the LAN; everything else binds 127.0.0.1. A port of a container that is
    // only on internal networks is silently not published, so a publisher needs a non-internal network.
    const ports = publishedPortsOf(service);
    for (const port of ports) {
      if (name !== rules.edgeService && port.hostIp !== LOOPBACK) {
        say(`publishes ${port.spec} beyond ${LOOPBACK} (only ${rules.edgeService} may)`);
      }
    }
    if (ports.length > 0 && networks.every((n) => asObj(declaredNetworks[n]).internal === true)) {
      say('publishes a port but is only on internal networks (docker would not publish it)');
    }

    // Secrets: *_FILE variables point into /run/secrets at a secret the service is given and the file declares.
    const given = secretsOf(service);
    const targets = secretTargetsOf(service);
    for (const secret of given) {
      usedSecrets.add(secret);
      if (!(secret in declaredSecrets))
        say(`is given secret "${secret}", which is not declared at top level`);
    }
    for (const [key, value] of Object.entries(environmentOf(service))) {
      if (!key.endsWith('_FILE')) continue;
      const match = /^\/run\/secrets\/([A-Za-z0-9_.-]+)$/.exec(value);
      if (!match?.[1]) {
        say(`${key}=${value} does not point into /run/secrets/`);
        continue;
      }
      const secret = match[1];
      if (!targets.includes(secret)) say(`${key} reads secret "${secret}", which is not in its secrets list`);
      const source = given[targets.indexOf(secret)] ?? secret;
      if (!(source in declaredSecrets))
        say(`${key} reads secret "${secret}", which is not declared at top level`);
    }

    // The Docker socket: only the proxy holds it.
    const mountsSocket = asArray(service.volumes).some((v) =>
      (isObj(v) ? scalar(v.source ?? '') : scalar(v)).includes('docker.sock'),
    );
    if (mountsSocket && name !== rules.socketProxyService) {
      say(`mounts the Docker socket (only ${rules.socketProxyService} may; use it through the proxy)`);
    }

    // Images built from this repository run hardened.
    if (service.build !== undefined) {
      const user = service.user === undefined ? '' : scalar(service.user);
      if (user === '' || user === 'root' || user.startsWith('0')) say('runs as root (set user: node)');
      if (!asArray(service.cap_drop).map(String).includes('ALL'))
        say('does not drop all capabilities (cap_drop: [ALL])');
      if (!asArray(service.security_opt).map(String).includes('no-new-privileges:true')) {
        say('lacks security_opt no-new-privileges:true');
      }
      if (service.read_only !== true) say('does not have a read-only root file system');
    }
  }

  // The real services: built from their directory, port variable set, healthcheck on that port.
  for (const platform of rules.platformServices) {
    const service = services[platform.name];
    if (!isObj(service)) continue; // reported above
    const say = (problem: string): void => {
      problems.push(`${platform.name}: ${problem}`);
    };
    if (!LONG_RUNNING_RESTART.has(scalar(service.restart))) {
      say(`is a platform service but restarts "${scalar(service.restart)}" (use unless-stopped)`);
    }
    const args = asObj(asObj(service.build).args);
    if (args.SERVICE !== platform.name) say(`is not built from the repository with SERVICE=${platform.name}`);
    const env = environmentOf(service);
    const port = env[platform.portEnv];
    if (port === undefined) say(`does not set ${platform.portEnv} (its package.json port variable)`);
    // Services listen on 127.0.0.1 by default (safe natively); in a container that hides them from the others.
    const hostEnv = platform.portEnv.replace(/_PORT$/, '_HOST');
    if (env[hostEnv] !== '0.0.0.0')
      say(`does not set ${hostEnv}=0.0.0.0, so no other container can reach it`);
    const effectivePort = port === undefined ? scalar(platform.port) : withDefaults(port);
    if (!healthcheckText(service).includes(`127.0.0.1:${effectivePort}/`)) {
      say(`healthcheck does not probe its own port ${effectivePort}`);
    }
  }

  // Networks that must not route anywhere.
  for (const network of rules.internalNetworks) {
    if (!(network in declaredNetworks)) problems.push(`network "${network}" is not declared`);
    else if (asObj(declaredNetworks[network]).internal !== true)
      problems.push(`network "${network}" is not internal`);
  }

  // Secrets are files under ./secrets, and every declared one is used.
  for (const [name, value] of Object.entries(declaredSecrets)) {
    const file = asObj(value).file;
    if (typeof file !== 'string' || !file.startsWith('./secrets/')) {
      problems.push(`secret "${name}" is not a file under ./secrets/`);
    }
    if (!usedSecrets.has(name)) problems.push(`secret "${name}" is declared but no service uses it`);
  }

  return problems;
}

// ------------------------------------------------------------------------------------------ the Jetson override

export function checkJetsonOverride(base: Obj, override: Obj): string[] {
  const problems: string[] = [];
  const baseServices = asObj(base.services);
  const services = asObj(override.services);
  for (const name of Object.keys(services)) {
    if (!isObj(baseServices[name]))
      problems.push(`${name}: is in the Jetson override but not in docker-compose.yml`);
  }
  const ollama = services.ollama;
  if (!isObj(ollama)) {
    problems.push('ollama: is not in the Jetson override');
    return problems;
  }
  if (ollama.runtime !== 'nvidia') problems.push('ollama: does not use the nvidia runtime');
  if (environmentOf(ollama).NVIDIA_VISIBLE_DEVICES === undefined) {
    problems.push('ollama: does not set NVIDIA_VISIBLE_DEVICES');
  }
  const devices = asArray(asObj(asObj(asObj(ollama.deploy).resources).reservations).devices);
  const gpu = devices.some(
    (d) => asObj(d).driver === 'nvidia' && asArray(asObj(d).capabilities).map(String).includes('gpu'),
  );
  if (!gpu) problems.push('ollama: reserves no nvidia gpu device');
  return problems;
}

// ------------------------------------------------------------------------------------------ .env.example

/** Variables a compose file interpolates (`${NAME}`, `${NAME:-x}`, `$NAME`), comments excluded. */
export function interpolatedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const match of code.matchAll(/(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))/g)) {
      const name = match[1] ?? match[2];
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

/** Variables used by the compose files that .env.example does not list (as `NAME=` or `# NAME=`). */
export function undocumentedVariables(composeTexts: string[], envExample: string): string[] {
  const documented = new Set(
    envExample
      .split('\n')
      .map((line) => /^\s*#?\s*([A-Za-z_][A-Za-z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );
  const used = new Set(composeTexts.flatMap(interpolatedVariables));
  return [...used].filter((name) => !documented.has(name)).sort();
}
