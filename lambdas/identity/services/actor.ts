/** Who performs a mutation, as the audit trail records it (from auditActor of the request). */
export interface Actor {
  org_id: string;
  actor_email: string;
  ip_address: string;
}
