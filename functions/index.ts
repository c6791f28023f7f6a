/**
 * The entry module the Functions Framework loads (package.json `main`). Each deployed
 * function picks its handler with `--entry-point`: addDevice, removeDevice, cron, notifyUser,
 * notifyUsers or deliverNotification (a CloudEvent function).
 */
// First: a bad configuration stops the instance before any function is registered.
import './check-config';
import './add-device';
import './remove-device';
import './cron';
import './notify-user';
import './notify-users';
import './deliver-notification';
