/** The emulators accept any credentials; fixed ones keep DynamoDB Local's sharedDb deterministic. */
export const LOCAL_REGION = 'us-east-1';
export const localCredentials = { accessKeyId: 'dagylocal', secretAccessKey: 'dagylocal' };
