/**
 * Registers every function with the Functions Framework. The entry module (index.ts) loads
 * it after the configuration check; the local stack, which checks the configuration itself
 * before its emulators exist, loads it directly.
 */
import './add-device';
import './remove-device';
import './cron';
import './notify-user';
import './notify-users';
import './deliver-notification';
