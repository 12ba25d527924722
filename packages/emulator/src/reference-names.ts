/** Fixed vocabularies used to make generated records look like a real Citrix DaaS site. */

export const FIRST_NAMES = [
  'Faye',
  'Liam',
  'Olivia',
  'Noah',
  'Emma',
  'Mateo',
  'Ava',
  'Lucas',
  'Mia',
  'Ethan',
  'Amara',
  'Hiro',
  'Sofia',
  'Omar',
  'Priya',
  'Jonas',
  'Chloe',
  'Diego',
  'Nora',
  'Ivan',
  'Leila',
  'Tomas',
  'Grace',
  'Kenji',
  'Elena',
  'Samuel',
  'Zara',
  'Felix',
  'Maya',
  'Arjun',
  'Ingrid',
  'Victor',
  'Hannah',
  'Rafael',
  'Yara',
  'Oscar',
  'Clara',
  'Dmitri',
  'Aisha',
  'Paul',
] as const;

export const LAST_NAMES = [
  'Roberson',
  'Nakamura',
  'Okafor',
  'Lindqvist',
  'Fernandez',
  'Schmidt',
  'Kowalski',
  'Haddad',
  'Murphy',
  'Rossi',
  'Novak',
  'Dubois',
  'Andersen',
  'Patel',
  'Kim',
  'Oliveira',
  'Walsh',
  'Moreau',
  'Jansen',
  'Costa',
  'Ibrahim',
  'Larsen',
  'Bennett',
  'Tanaka',
  'Horvat',
  'Silva',
  'Nguyen',
  'Fischer',
  'Brennan',
  'Castillo',
  'Svensson',
  'Mendes',
  'Hughes',
  'Petrov',
  'Quinn',
  'Romero',
  'Weber',
  'Ahmed',
  'Barros',
  'Yilmaz',
] as const;

export const MIDDLE_INITIALS = 'ABCDEFGHJKLMNPRSTW';

export const APPLICATIONS = [
  'Microsoft Word',
  'Microsoft Excel',
  'Microsoft Outlook',
  'Microsoft PowerPoint',
  'Microsoft Teams',
  'Google Chrome',
  'Microsoft Edge',
  'Notepad++',
  'Adobe Acrobat Reader',
  'SAP Logon',
  'Epic Hyperspace',
  'Visual Studio Code',
  'PuTTY',
  'Salesforce Console',
  'Power BI Desktop',
  'SQL Server Management Studio',
  'Calculator',
  'Paint',
  'Remote Desktop Connection',
  'Tableau Desktop',
] as const;

export const CLIENT_PLATFORMS = ['Windows', 'Mac', 'Linux', 'iOS', 'Android', 'HTML5'] as const;

export const CLIENT_VERSIONS = ['24.2.0.187', '24.3.1.97', '24.5.10.20', '24.9.0.133', '2402.1.0.5'] as const;

export const CITIES = [
  { city: 'Fort Lauderdale', country: 'United States' },
  { city: 'Raleigh', country: 'United States' },
  { city: 'Santa Clara', country: 'United States' },
  { city: 'London', country: 'United Kingdom' },
  { city: 'Dublin', country: 'Ireland' },
  { city: 'Schaffhausen', country: 'Switzerland' },
  { city: 'Bangalore', country: 'India' },
  { city: 'Tokyo', country: 'Japan' },
  { city: 'Sydney', country: 'Australia' },
] as const;

/** Citrix Gateway service points of presence an HDX connection can go through (SessionMetricsLatest). */
export const GATEWAY_POPS = [
  'us-east',
  'us-west',
  'eu-west',
  'eu-central',
  'ap-south',
  'ap-southeast',
] as const;

/** The site's Cloud Connectors. */
export const CLOUD_CONNECTORS = ['CC-01', 'CC-02'] as const;

export const DOMAIN = 'CORP';
export const DNS_SUFFIX = 'corp.example.com';
