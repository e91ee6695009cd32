import type { NormalizedFlowSpec } from '../../engine';
import { parseFlowSpec } from '../../engine';
import type { FlowRepository } from '../../flows/flow-repository';
import type { ArtifactRef } from '../task-runner/artifact-unpack';
import { FatalError } from './errors';

/** What executing a run needs of its flow version. */
export interface FlowVersionForRun {
  flow_name: string;
  flow_version: string;
  spec: NormalizedFlowSpec;
  artifact: ArtifactRef;
}

const MAX_ENTRIES = 200;

/**
 * Flow versions by (org, flow, version), read through the flows domain's repository once per
 * container: a version's spec and code are immutable (code_hash), so a cached entry never goes stale.
 */
export class FlowCache {
  private readonly entries = new Map<string, Promise<FlowVersionForRun>>();

  constructor(private readonly flows: Pick<FlowRepository, 'get'>) {}

  get(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionForRun> {
    const key = JSON.stringify([orgId, flowName, flowVersion]);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = this.load(orgId, flowName, flowVersion);
      entry.catch(() => this.entries.delete(key));
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private async load(orgId: string, flowName: string, flowVersion: string): Promise<FlowVersionForRun> {
    const flow = await this.flows.get(orgId, flowName, flowVersion);
    if (flow === null) throw new FatalError(`flow version ${flowName}@${flowVersion} not found`);
    return {
      flow_name: flow.flow_name,
      flow_version: flow.flow_version,
      spec: parseFlowSpec(JSON.parse(flow.flow_spec_json) as unknown),
      artifact: { artifact_s3_uri: flow.artifact_s3_uri, code_hash: flow.code_hash },
    };
  }
}
