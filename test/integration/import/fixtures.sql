-- Fixtures of the Laravel import (tools/import-laravel): the Laravel app's two tables, with the
-- column types of its migrations, and rows with every defect the importer handles.
-- Load into an empty database:  mariadb -u USER -p laravel < test/integration/import/fixtures.sql
--
-- Passwords (bcrypt $2y$10$, as Laravel's Hash::make writes them):
--   alice@example.com  alice-password      bob@example.com  bob-password
--   every other user   alice-password
--
-- Expected import with MAX_DEVICES_PER_USER=20 (the default):
--   users: 8 read, 7 written; user 5 skipped (ALICE@example.com is alice's email once lower-cased)
--   tokens: 28 written; 3 duplicate rows dropped (bob-laptop twice under bob; shared-token is
--   alice's, newer; moved-token's newest row is under the deleted user 99); 2 over the limit
--   (carol-01, carol-02); 3 of missing users (users 8 and 99); 1 of a skipped user (erin-phone);
--   1 invalid row (empty registration_id); 3 NULL timestamps filled with the import time.

DROP TABLE IF EXISTS fcm_registration_tokens;
DROP TABLE IF EXISTS users;

-- 2014_10_12_000000_create_users_table (+ fcm_notification_key). The app's unique index uses the
-- default case-insensitive collation, which forbids emails differing only by case; this fixture
-- uses a binary collation on email so that such rows (which old data can hold) exist.
CREATE TABLE users (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  name varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  email varchar(255) COLLATE utf8mb4_bin NOT NULL,
  email_verified_at timestamp NULL DEFAULT NULL,
  password varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  remember_token varchar(100) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  fcm_notification_key varchar(255) COLLATE utf8mb4_unicode_ci DEFAULT NULL,
  created_at timestamp NULL DEFAULT NULL,
  updated_at timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY users_email_unique (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- $table->id(); $table->foreignId('user_id'); $table->string('registration_id'); $table->timestamps();
-- No foreign-key constraint: tokens of deleted users remain, as in the old data.
CREATE TABLE fcm_registration_tokens (
  id bigint unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint unsigned NOT NULL,
  registration_id varchar(255) COLLATE utf8mb4_unicode_ci NOT NULL,
  created_at timestamp NULL DEFAULT NULL,
  updated_at timestamp NULL DEFAULT NULL,
  PRIMARY KEY (id),
  KEY fcm_registration_tokens_user_id_index (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT INTO users (id, name, email, password, fcm_notification_key, created_at, updated_at) VALUES
  (1, 'Alice', 'alice@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', NULL, '2023-12-01 10:00:00', '2023-12-01 10:00:00'),
  (2, 'Bob', 'Bob@Example.com', '$2y$10$dXDoiS1OvOkNd2XCnuOqVev7KhdBU//y4nY4Btg/lM/LSN39fyZvm', NULL, '2023-12-02 10:00:00', '2023-12-02 10:00:00'),
  (3, 'Carol', 'carol@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', NULL, '2023-12-03 10:00:00', '2023-12-03 10:00:00'),
  (4, 'Dave', 'dave@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', 'laravel-notification-key-of-dave', '2023-12-04 10:00:00', '2023-12-04 10:00:00'),
  (5, 'Erin', 'ALICE@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', NULL, '2023-12-05 10:00:00', '2023-12-05 10:00:00'),
  (6, 'Frank', 'frank@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', '', '2023-12-06 10:00:00', '2023-12-06 10:00:00'),
  (7, 'Grace', 'grace@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', NULL, NULL, NULL),
  (9, 'Heidi', 'heidi@example.com', '$2y$10$n61JugB9jQYTvYQ7fW/Oqe8FfOd32f3YaF08A39ihZ5xT42uoWjmG', NULL, '2023-12-09 10:00:00', '2023-12-09 10:00:00');

INSERT INTO fcm_registration_tokens (user_id, registration_id, created_at, updated_at) VALUES
  (1, 'alice-phone', '2024-01-10 08:00:00', '2024-03-10 08:00:00'),
  (1, 'alice-tablet', NULL, NULL),
  (1, 'shared-token', '2024-01-01 08:00:00', '2024-03-01 08:00:00'),
  (1, '', '2024-01-01 08:00:00', '2024-01-01 08:00:00'),
  (2, 'bob-phone', '2024-01-02 08:00:00', '2024-01-02 08:00:00'),
  (2, 'bob-laptop', '2024-01-03 08:00:00', '2024-01-03 08:00:00'),
  (2, 'bob-laptop', '2024-01-04 08:00:00', '2024-04-04 08:00:00'),
  (2, 'shared-token', '2024-01-01 08:00:00', '2024-02-01 08:00:00'),
  (2, 'moved-token', '2024-01-01 08:00:00', '2024-05-01 08:00:00'),
  (3, 'carol-01', '2024-01-01 09:00:00', '2024-02-01 09:00:00'),
  (3, 'carol-02', '2024-01-02 09:00:00', '2024-02-02 09:00:00'),
  (3, 'carol-03', '2024-01-03 09:00:00', '2024-02-03 09:00:00'),
  (3, 'carol-04', '2024-01-04 09:00:00', '2024-02-04 09:00:00'),
  (3, 'carol-05', '2024-01-05 09:00:00', '2024-02-05 09:00:00'),
  (3, 'carol-06', '2024-01-06 09:00:00', '2024-02-06 09:00:00'),
  (3, 'carol-07', '2024-01-07 09:00:00', '2024-02-07 09:00:00'),
  (3, 'carol-08', '2024-01-08 09:00:00', '2024-02-08 09:00:00'),
  (3, 'carol-09', '2024-01-09 09:00:00', '2024-02-09 09:00:00'),
  (3, 'carol-10', '2024-01-10 09:00:00', '2024-02-10 09:00:00'),
  (3, 'carol-11', '2024-01-11 09:00:00', '2024-02-11 09:00:00'),
  (3, 'carol-12', '2024-01-12 09:00:00', '2024-02-12 09:00:00'),
  (3, 'carol-13', '2024-01-13 09:00:00', '2024-02-13 09:00:00'),
  (3, 'carol-14', '2024-01-14 09:00:00', '2024-02-14 09:00:00'),
  (3, 'carol-15', '2024-01-15 09:00:00', '2024-02-15 09:00:00'),
  (3, 'carol-16', '2024-01-16 09:00:00', '2024-02-16 09:00:00'),
  (3, 'carol-17', '2024-01-17 09:00:00', '2024-02-17 09:00:00'),
  (3, 'carol-18', '2024-01-18 09:00:00', '2024-02-18 09:00:00'),
  (3, 'carol-19', '2024-01-19 09:00:00', '2024-02-19 09:00:00'),
  (3, 'carol-20', '2024-01-20 09:00:00', '2024-02-20 09:00:00'),
  (3, 'carol-21', '2024-01-21 09:00:00', '2024-02-21 09:00:00'),
  (3, 'carol-22', '2024-01-22 09:00:00', '2024-02-22 09:00:00'),
  (4, 'dave-phone', '2024-01-05 08:00:00', '2024-01-05 08:00:00'),
  (5, 'erin-phone', '2024-01-06 08:00:00', '2024-01-06 08:00:00'),
  (6, 'frank-phone', '2024-01-07 08:00:00', '2024-01-07 08:00:00'),
  (7, 'grace-phone', NULL, '2024-01-08 08:00:00'),
  (8, 'orphan-mid', '2024-01-09 08:00:00', '2024-01-09 08:00:00'),
  (99, 'orphan-tail', '2024-01-09 08:00:00', '2024-01-09 08:00:00'),
  (99, 'moved-token', '2024-01-01 08:00:00', '2024-06-01 08:00:00');
