import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';

export const MARIADB = {
  host: process.env.OPENMMS_TEST_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.OPENMMS_TEST_MYSQL_PORT ?? 3306),
  user: process.env.OPENMMS_TEST_MYSQL_USER ?? 'root',
  password: process.env.OPENMMS_TEST_MYSQL_PASSWORD ?? '',
};

/** A MariaDB database with a unique name and an admin connection to it; `drop` removes both. */
export async function createMariaDatabase(prefix: string) {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ ...MARIADB, multipleStatements: true });
  await admin.query(`CREATE DATABASE \`${name}\``);
  await admin.query(`USE \`${name}\``);
  return {
    name,
    admin,
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
}
