;; Blog queries. (query blog <name> :param value ...) runs them.

(defquery blog recent-posts (&key (limit 10) (month nil))
  "The newest published posts, for the blog index; of one month (YYYY-MM, in UTC) when given."
  :params {:limit :int :month :text}
  :returns :many
  :shape {:slug :text :title :text :excerpt :text :published_at :timestamp :author :text}
  :example {:limit 5}
  :sql "SELECT p.slug, p.title, p.excerpt, p.published_at, u.name AS author
          FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.published
           AND (:month::text IS NULL OR to_char(p.published_at AT TIME ZONE 'UTC', 'YYYY-MM') = :month::text)
         ORDER BY p.published_at DESC
         LIMIT :limit")

(defquery blog archive ()
  "The months with published posts (YYYY-MM, in UTC), newest first, and how many each has."
  :returns :many
  :shape {:month :text :posts :int}
  :sql "SELECT to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, count(*)::int AS posts
          FROM posts WHERE published GROUP BY 1 ORDER BY 1 DESC")

(defquery blog post-by-slug (&key slug)
  "One published post by its slug, or nothing."
  :params {:slug :text}
  :returns :one
  :shape {:id :int :slug :text :title :text :excerpt :text :body_html :text :tags :list
          :published_at :timestamp :author :text}
  :example {:slug "apple-day-2026"}
  :sql "SELECT p.id, p.slug, p.title, p.excerpt, p.body_html, p.tags, p.published_at, u.name AS author
          FROM posts p JOIN users u ON u.id = p.author_id
         WHERE p.slug = :slug AND p.published")

(defquery blog nav-tree ()
  "Published post titles and links for the navigation, newest first."
  :returns :many
  :shape {:slug :text :title :text}
  :sql "SELECT slug, title FROM posts WHERE published ORDER BY published_at DESC")
