/**
 * The entry module the Functions Framework loads (package.json `main`). Each deployed
 * function picks its handler with `--entry-point`: addDevice, removeDevice, cron or notifyUser.
 */
import './add-device';
import './remove-device';
import './cron';
import './notify-user';
