/** s3rver accepts only its well-known key pair; DynamoDB Local and the emulator accept any. */
export const LOCAL_REGION = 'us-east-1';
export const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
