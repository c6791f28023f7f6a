/** The demo user of the API reference (its curl examples' credentials), seeded by npm start. */
export const DEMO_USER = {
  id: '1',
  email: 'support@thinkbitsolutions.com',
  password: 's3cRe+',
} as const;
