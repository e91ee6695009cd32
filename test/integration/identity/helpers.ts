// Identity tests' helpers live in test/support (shared with the other domains' tests).
export { addMember, type Member } from '../../support/auth';
export { auditRecords, documentClient, scanAll } from '../../support/tables';
