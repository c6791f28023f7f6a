/**
 * The entry module the Functions Framework loads (package.json `main`). Each deployed
 * function picks its handler with `--entry-point`: addDevice, removeDevice, cron, notifyUser, notifyUsers or
 * deliverNotification.
 */
// First: a bad configuration stops the instance before any function is registered.
import './check-config';
import './all';
