import * as Args from '@oclif/core/args';
import { storeDockerCredentials } from '@wpack/registry-client';
import { WpackCommand } from '../base-command.js';

export default class Logout extends WpackCommand {
  static override summary = "Remove a registry's credentials from Docker's config file.";
  static override examples = ['<%= config.bin %> logout ghcr.io'];
  static override args = { registry: Args.string({ description: 'registry host[:port]', required: true }) };

  async run(): Promise<{ registry: string; configFile: string }> {
    const { args } = await this.parse(Logout);
    const configFile = await storeDockerCredentials(args.registry, undefined);
    this.log(`logged out of ${args.registry} (${configFile})`);
    return { registry: args.registry, configFile };
  }
}
