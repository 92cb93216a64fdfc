/**
 * The public surface of `lib/`: the `UserFilesApi` construct for any stack, the deployable
 * `UserFilesStack`, and the types their props and members name.
 */
export type { MalwareScanning, MalwareScanningProps } from './malware-scanning';
export type { GuestRateLimit, PerUserRateLimit } from './rate-limit';
export type { StorageEvents, StorageEventsProps } from './storage-events';
export { UserFilesApi, type UserFilesApiProps } from './user-files-api';
export { UserFilesStack, type UserFilesStackProps } from './user-files-stack';
export type { AccessMode } from './users-and-identity';
