/**
 * The data directory cannot be used: another gateway holds it, or its log is
 * damaged. The message names the file (and offset); startup stops.
 */
export class FileStoreError extends Error {
  override name = 'FileStoreError';
}
