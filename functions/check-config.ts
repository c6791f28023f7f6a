/**
 * Loaded first by the entry module (index.ts): an instance whose configuration is invalid
 * logs every problem and exits before it serves anything (shared/platform/startup.ts).
 */
import {configAtStart} from '../shared/platform/startup';

configAtStart();
