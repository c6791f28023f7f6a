/** The importer racing the API, with the `firestore` backend (see race.suite.ts). */
import {describeImportRace} from './race.suite';

jest.setTimeout(180_000);

describeImportRace('firestore');
