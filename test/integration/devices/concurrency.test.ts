/** Concurrency with the `fcm` backend (and FCM faults). */
import {describeConcurrency} from './concurrency.suite';

describeConcurrency('fcm');
