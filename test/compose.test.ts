import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  INFRA_SERVICES,
  checkCompose,
  checkJetsonOverride,
  discoverPlatformServices,
  environmentOf,
  interpolatedVariables,
  parseCompose,
  undocumentedVariables,
  withDefaults,
  type ComposeRules,
} from './compose-rules';

const ROOT = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

const platformServices = discoverPlatformServices(ROOT);
const rules: ComposeRules = {
  requiredServices: [...INFRA_SERVICES, ...platformServices.map((s) => s.name)],
  platformServices,
  edgeService: 'gateway',
  internalNetworks: ['backend', 'docker-socket-proxy'],
  socketProxyNetwork: 'docker-socket-proxy',
  socketProxyMembers: ['docker-socket-proxy', 'self-healing-agent'],
  socketProxyService: 'docker-socket-proxy',
};

describe('docker-compose.yml', () => {
  const compose = parseCompose(read('docker-compose.yml'));
  const services = compose.services as Record<string, Record<string, unknown>>;

  it('follows every appliance rule (entries, healthchecks, limits, ports, secrets, networks)', () => {
    expect(checkCompose(compose, rules)).toEqual([]);
  });

  it('has an entry for every real service under services/ and every infrastructure service', () => {
    const missing = rules.requiredServices.filter((name) => services[name] === undefined);
    expect(missing).toEqual([]);
  });

  it('publishes the gateway, and only the gateway, on the LAN at ${GATEWAY_PORT:-8080}', () => {
    expect(services.gateway?.ports).toEqual(['${GATEWAY_PORT:-8080}:8080']);
  });

  it('keeps the backend and the Docker API networks internal, the API shared by the agent alone', () => {
    const networks = compose.networks as Record<string, Record<string, unknown>>;
    expect(networks.backend?.internal).toBe(true);
    expect(networks['docker-socket-proxy']?.internal).toBe(true);
    const onProxyNetwork = Object.entries(services)
      .filter(([, s]) => JSON.stringify(s.networks ?? []).includes('"docker-socket-proxy"'))
      .map(([name]) => name)
      .sort();
    expect(onProxyNetwork).toEqual(['docker-socket-proxy', 'self-healing-agent']);
  });

  it('starts every platform service with the V8 flags its manifest gives the supervisor, on the command line', () => {
    // Only a few V8 flags are allowed in NODE_OPTIONS (not --optimize-for-size), so all of them go in `command`.
    for (const { name, nodeFlags } of platformServices) {
      const service = services[name] ?? {};
      const command = (service.command as string[] | undefined) ?? ['node', 'dist/main.js'];
      expect({
        name,
        flags: command.filter((arg) => arg.startsWith('--') && arg !== '--enable-source-maps'),
      }).toEqual({
        name,
        flags: nodeFlags,
      });
      expect({ name, nodeOptions: environmentOf(service).NODE_OPTIONS }).toEqual({
        name,
        nodeOptions: undefined,
      });
    }
  });

  it('runs the migration once, before every platform service', () => {
    expect(services.migrate?.restart).toBe('no');
    for (const { name } of platformServices) {
      expect({
        name,
        migrate: (services[name]?.depends_on as Record<string, unknown> | undefined)?.migrate,
      }).toEqual({
        name,
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });
});

describe('docker-compose.jetson.yml', () => {
  it('only overrides services of the base file and puts ollama on the nvidia runtime', () => {
    const base = parseCompose(read('docker-compose.yml'));
    const jetson = parseCompose(read('docker-compose.jetson.yml'));
    expect(checkJetsonOverride(base, jetson)).toEqual([]);
  });
});

describe('.env.example', () => {
  it('lists every variable the compose files interpolate', () => {
    const texts = [read('docker-compose.yml'), read('docker-compose.jetson.yml')];
    expect(undocumentedVariables(texts, read('.env.example'))).toEqual([]);
  });
});

describe('the compose rules', () => {
  /** A small topology that is right in every respect; each broken case below changes one thing. */
  const healthy = (port: number): Record<string, unknown> => ({
    test: ['CMD', 'node', '-e', `fetch('http://127.0.0.1:${port}/health/ready')`],
    interval: '15s',
    timeout: '5s',
    retries: 3,
    start_period: '30s',
  });
  const limits = (): Record<string, unknown> => ({
    deploy: { resources: { limits: { memory: '256m', cpus: '0.5', pids: 64 } } },
    pids_limit: 64,
  });
  const hardened = (): Record<string, unknown> => ({
    user: 'node',
    read_only: true,
    cap_drop: ['ALL'],
    security_opt: ['no-new-privileges:true'],
  });
  const fixture = (): Record<string, unknown> => ({
    services: {
      postgres: {
        image: 'postgres:16-alpine',
        restart: 'unless-stopped',
        healthcheck: healthy(5432),
        networks: ['backend'],
        secrets: ['pg'],
        environment: { POSTGRES_PASSWORD_FILE: '/run/secrets/pg' },
        ...limits(),
      },
      migrate: {
        build: { context: '.' },
        restart: 'no',
        networks: ['backend'],
        depends_on: { postgres: { condition: 'service_healthy' } },
        ...hardened(),
        ...limits(),
      },
      proxy: {
        image: 'tecnativa/docker-socket-proxy',
        restart: 'unless-stopped',
        healthcheck: healthy(2375),
        networks: ['sock'],
        volumes: ['/var/run/docker.sock:/var/run/docker.sock:ro'],
        ...limits(),
      },
      agent: {
        build: { context: '.', args: { SERVICE: 'agent' } },
        restart: 'unless-stopped',
        healthcheck: healthy(8085),
        networks: ['backend', 'sock'],
        environment: { AGENT_PORT: '8085', AGENT_HOST: '0.0.0.0' },
        depends_on: {
          migrate: { condition: 'service_completed_successfully' },
          proxy: { condition: 'service_healthy' },
        },
        ...hardened(),
        ...limits(),
      },
      gateway: {
        build: { context: '.', args: { SERVICE: 'gateway' } },
        restart: 'unless-stopped',
        healthcheck: healthy(8080),
        networks: ['frontend', 'backend'],
        ports: ['${GATEWAY_PORT:-8080}:8080'],
        environment: { GATEWAY_PORT: '8080', GATEWAY_HOST: '0.0.0.0' },
        ...hardened(),
        ...limits(),
      },
      admin: {
        image: 'rabbitmq',
        restart: 'unless-stopped',
        healthcheck: healthy(15672),
        networks: ['backend', 'egress'],
        ports: ['127.0.0.1:${RABBITMQ_MANAGEMENT_PORT:-15672}:15672'],
        ...limits(),
      },
    },
    networks: { frontend: {}, backend: { internal: true }, egress: {}, sock: { internal: true } },
    secrets: { pg: { file: './secrets/pg' } },
  });
  const fixtureRules: ComposeRules = {
    requiredServices: ['postgres', 'migrate', 'proxy', 'agent', 'gateway'],
    platformServices: [
      { name: 'agent', portEnv: 'AGENT_PORT', port: 8085, nodeFlags: [] },
      { name: 'gateway', portEnv: 'GATEWAY_PORT', port: 8080, nodeFlags: [] },
    ],
    edgeService: 'gateway',
    internalNetworks: ['backend', 'sock'],
    socketProxyNetwork: 'sock',
    socketProxyMembers: ['proxy', 'agent'],
    socketProxyService: 'proxy',
  };
  type Services = Record<string, Record<string, unknown>>;
  const broken = (change: (services: Services, compose: Record<string, unknown>) => void): string[] => {
    const compose = fixture();
    change(compose.services as Services, compose);
    return checkCompose(compose, fixtureRules);
  };

  it('accept the correct fixture', () => {
    expect(checkCompose(fixture(), fixtureRules)).toEqual([]);
  });

  it.each<[string, (services: Services, compose: Record<string, unknown>) => void, string]>([
    ['a required service missing', (s) => delete s.agent, 'agent: has no entry in the compose file'],
    ['no healthcheck', (s) => delete s.gateway!.healthcheck, 'gateway: has no healthcheck'],
    [
      'a healthcheck without start_period',
      (s) => delete (s.gateway!.healthcheck as Record<string, unknown>).start_period,
      'gateway: healthcheck has no start_period',
    ],
    [
      'no memory limit',
      (s) =>
        ((s.gateway!.deploy as { resources: { limits: Record<string, unknown> } }).resources.limits = {
          cpus: '1',
        }),
      'gateway: has no deploy.resources.limits.memory',
    ],
    [
      'no cpu limit',
      (s) => (s.gateway!.deploy = { resources: { limits: { memory: '1g' } } }),
      'gateway: has no deploy.resources.limits.cpus',
    ],
    ['no pids_limit', (s) => delete s.postgres!.pids_limit, 'postgres: has no pids_limit'],
    [
      'pids_limit and deploy pids disagreeing',
      (s) => (s.postgres!.pids_limit = 32),
      'postgres: sets pids_limit 32 but deploy.resources.limits.pids 64',
    ],
    ['no restart policy', (s) => delete s.gateway!.restart, 'gateway: has no restart policy'],
    [
      'a platform service that never restarts',
      (s) => (s.gateway!.restart = 'no'),
      'gateway: is a platform service but restarts "no"',
    ],
    [
      'a long-running service restarting only on failure',
      (s) => (s.postgres!.restart = 'on-failure'),
      'postgres: is long-running but restarts "on-failure"',
    ],
    [
      'depends_on without conditions',
      (s) => (s.agent!.depends_on = ['postgres']),
      'agent: lists depends_on without conditions',
    ],
    [
      'depends_on an unknown service',
      (s) => (s.agent!.depends_on = { redis: { condition: 'service_healthy' } }),
      'agent: depends on "redis", which is not a service of this file',
    ],
    [
      'depends_on without a condition',
      (s) => (s.agent!.depends_on = { postgres: {} }),
      'agent: depends on "postgres" without a valid condition',
    ],
    [
      'waiting for a service that has no healthcheck to be healthy',
      (s) => {
        delete s.proxy!.healthcheck;
      },
      'agent: waits for "proxy" to be healthy, but "proxy" has no healthcheck',
    ],
    [
      'waiting for a long-running service to complete',
      (s) => (s.agent!.depends_on = { postgres: { condition: 'service_completed_successfully' } }),
      'agent: waits for "postgres" to complete',
    ],
    [
      'an admin port on every interface',
      (s) => (s.admin!.ports = ['15672:15672']),
      'admin: publishes 15672:15672 beyond 127.0.0.1',
    ],
    [
      'an admin port on 0.0.0.0',
      (s) => (s.admin!.ports = [{ target: 15672, published: 15672, host_ip: '0.0.0.0' }]),
      'admin: publishes',
    ],
    [
      'a port on an internal-only service',
      (s) => (s.admin!.networks = ['backend']),
      'admin: publishes a port but is only on internal networks',
    ],
    [
      'a *_FILE outside /run/secrets',
      (s) => (s.postgres!.environment = { POSTGRES_PASSWORD_FILE: '/etc/pg' }),
      'postgres: POSTGRES_PASSWORD_FILE=/etc/pg does not point into /run/secrets/',
    ],
    [
      'a *_FILE for a secret the service is not given',
      (s) => (s.postgres!.secrets = []),
      'postgres: POSTGRES_PASSWORD_FILE reads secret "pg", which is not in its secrets list',
    ],
    [
      'a secret that is not declared',
      (_s, c) => (c.secrets = {}),
      'postgres: is given secret "pg", which is not declared at top level',
    ],
    [
      'a secret outside ./secrets',
      (_s, c) => (c.secrets = { pg: { file: '/root/pg' } }),
      'secret "pg" is not a file under ./secrets/',
    ],
    [
      'a backend that routes',
      (_s, c) => ((c.networks as Record<string, unknown>).backend = {}),
      'network "backend" is not internal',
    ],
    [
      'a stranger on the Docker API network',
      (s) => (s.gateway!.networks = ['frontend', 'backend', 'sock']),
      'gateway: is on the sock network',
    ],
    [
      'the agent off the Docker API network',
      (s) => (s.agent!.networks = ['backend']),
      'agent: must be on the sock network',
    ],
    [
      'the Docker socket outside the proxy',
      (s) => (s.agent!.volumes = ['/var/run/docker.sock:/var/run/docker.sock']),
      'agent: mounts the Docker socket',
    ],
    ['a repository image running as root', (s) => delete s.gateway!.user, 'gateway: runs as root'],
    [
      'a repository image with capabilities',
      (s) => delete s.gateway!.cap_drop,
      'gateway: does not drop all capabilities',
    ],
    [
      'a repository image with a writable root',
      (s) => (s.gateway!.read_only = false),
      'gateway: does not have a read-only root file system',
    ],
    [
      'a service built for the wrong directory',
      (s) => (s.agent!.build = { context: '.', args: { SERVICE: 'gateway' } }),
      'agent: is not built from the repository with SERVICE=agent',
    ],
    [
      'a healthcheck on the wrong port',
      (s) => (s.agent!.healthcheck = healthy(9999)),
      'agent: healthcheck does not probe its own port 8085',
    ],
    [
      'a platform service without its port variable',
      (s) => (s.agent!.environment = {}),
      'agent: does not set AGENT_PORT',
    ],
    [
      'a platform service listening on loopback only',
      (s) => (s.agent!.environment = { AGENT_PORT: '8085' }),
      'agent: does not set AGENT_HOST=0.0.0.0',
    ],
  ])('report %s', (_what, change, expected) => {
    const problems = broken(change);
    expect(problems.filter((p) => p.startsWith(expected))).not.toEqual([]);
  });

  it('report a Jetson override that adds services or forgets the GPU', () => {
    const base = { services: { ollama: {}, metrics: {} } };
    expect(checkJetsonOverride(base, { services: { ollama: { runtime: 'runc' }, extra: {} } })).toEqual([
      'extra: is in the Jetson override but not in docker-compose.yml',
      'ollama: does not use the nvidia runtime',
      'ollama: does not set NVIDIA_VISIBLE_DEVICES',
      'ollama: reserves no nvidia gpu device',
    ]);
  });

  it('find interpolated variables outside comments and report undocumented ones', () => {
    const text = "ports:\n  - '${GATEWAY_PORT:-8080}:8080' # ${IN_COMMENT}\nx: $$ESCAPED $PLAIN\n";
    expect(interpolatedVariables(text)).toEqual(['GATEWAY_PORT', 'PLAIN']);
    expect(undocumentedVariables([text], 'GATEWAY_PORT=8080\n# PLAIN=x\n')).toEqual([]);
    expect(undocumentedVariables([text], 'GATEWAY_PORT=8080\n')).toEqual(['PLAIN']);
    expect(withDefaults('127.0.0.1:${P:-15672}:15672 ${Q}')).toBe('127.0.0.1:15672:15672 ');
  });
});
