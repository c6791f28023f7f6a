/** Concurrency with the `firestore` backend (DEVICE_GROUPS=firestore). */
import {describeConcurrency} from './concurrency.suite';

describeConcurrency('firestore');
