/** The host policy as written (DESIGN §6, schemas/policy.schema.json). */
export interface PolicyDocument {
  $schema?: string;
  version: 1;
  mode?: 'enforce' | 'warn';
  scopes?: string[];
  host: { worlds?: string[]; provides?: string[]; wit?: string[] };
  signatures: {
    minimum?: number;
    signers: PolicySigner[];
    transparencyLog?: 'required' | 'optional';
    trustedRoot?: string;
  };
  capabilities?: { allow?: string[]; deny?: string[] };
  limits?: PolicyLimits;
}

export type PolicySigner =
  | { key: string; validFrom?: string; validUntil?: string }
  | { keyless: { issuer: string; subject?: string; subjectRegExp?: string } };

export interface PolicyLimits {
  maxComponentBytes?: number;
  maxBundleBytes?: number;
  maxResourceBytes?: number;
}
