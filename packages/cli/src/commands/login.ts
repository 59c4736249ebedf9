import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { RegistryError, RegistryHttp, storeDockerCredentials } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';
import { clientOptions, registryFlags } from '../registry-flags.js';
import { readPasswordFromStdin } from '../stdin.js';

export default class Login extends WpackCommand {
  static override summary = "Log in to a registry, storing the credentials in Docker's config file.";
  static override description =
    'Checks the credentials against the registry first (as docker login does), then writes them to $DOCKER_CONFIG/config.json ' +
    '(default ~/.docker/config.json), where docker, skopeo, oras and wpack all find them.';
  static override examples = ['printf %s "$GITHUB_TOKEN" | <%= config.bin %> login ghcr.io -u "$GITHUB_ACTOR" --password-stdin'];
  static override args = { registry: Args.string({ description: 'registry host[:port]', required: true }) };
  static override flags = {
    ...registryFlags,
    username: Flags.string({ char: 'u', description: 'user name', required: true }),
    'password-stdin': Flags.boolean({ description: 'read the password or token from stdin', required: true }),
  };

  async run(): Promise<{ registry: string; configFile: string }> {
    const { args, flags } = await this.parse(Login);
    const password = await readPasswordFromStdin();
    const http = new RegistryHttp(args.registry, { ...clientOptions(flags), credentials: { username: flags.username, password } });
    try {
      const res = await http.request('GET', '/v2/', { scopes: [] });
      await res.discard();
      if (res.status !== 200) throw new RegistryError('UNAUTHORIZED', `${args.registry} refused the login (${String(res.status)})`, { status: res.status });
    } finally {
      await http.close();
    }
    const configFile = await storeDockerCredentials(args.registry, { username: flags.username, password });
    this.log(`logged in to ${args.registry} (credentials stored in ${configFile})`);
    return { registry: args.registry, configFile };
  }
}
