;; Routes. Path parameters are variables in the body.

;; The home page embeds the blog's link cards: three fragments, one batch;
;; and the current banner: whatever render was last named "banner"
;; (POST /webhooks/render with a name), nothing until there is one.
(defroute "/"
  (let ((recent (query blog recent-posts :limit 3)))
    (render
      (~base-layout :title "Welcome"
        (main :class "layout"
          (named-media "banner" :alt "" :class "banner")
          (h1 "Rose Ash")
          (p "A cooperative shop, blog and events: fresh food from the "
             (a :href "/market/" "market") ", news on the " (a :href "/blog/" "blog")
             ", and what is on at the " (a :href "/events/" "events") ".")
          (h2 "From the blog")
          (div :class "link-cards"
            (map (fn (p) (frag blog link-card :slug (:slug p))) recent))
          (h2 "On sale at the market")
          (~market-picks))))))

(defroute "/blog/"
  (let ((asked (param "month"))
        (archive (query blog archive))
        ;; Only a month there are posts in: anything else shows them all.
        (month (when (some (fn (m) (= (:month m) asked)) archive) asked))
        (posts (query blog recent-posts :limit 20 :month month))
        (title (if month (str "Blog: " (month-title month)) "Blog")))
    (render (~blog-page :title title :htmx (htmx-request?)
              :aside (~archive :months archive :current month)
              (~post-list :heading title :posts posts)))))

(defroute "/blog/:slug/"
  (let ((post (query blog post-by-slug :slug slug))
        (nav (query blog nav-tree)))
    (if post
      (render (~blog-page :title (:title post) :htmx (htmx-request?)
                :aside (~nav-tree :items nav :current slug)
                (~post-article :post post (raw! (:body_html post)))))
      (status 404 (~not-found :path (str "/blog/" slug "/"))))))

(defroute "/market/"
  (let ((category (param "category"))
        (sort (param "sort" "name"))
        (products (query market products
                    :category (if (empty? (or category "")) nil category)
                    :sort sort))
        (categories (query market categories)))
    (render (~market-page :products products :categories categories :current category :sort sort))))

(defroute "/market/:slug/"
  (let ((product (query market product-by-slug :slug slug)))
    (if product
      (render (~product-page :product product))
      (status 404 (~not-found :path (str "/market/" slug "/"))))))

(defroute "/events/"
  (render (~events-page :events (query events upcoming :from (now)))))

(defroute "/hello/:name"
  (if (htmx-request?)
    (render (p :id "greeting" "Hello again, " name))
    (render (~base-layout :title "Hello" (p :id "greeting" "Hello, " name)))))

(defroute "/migration/" (render (~migration-page)))

(defroute "/go-home" (redirect "/"))

(defroute "/*"
  (status 404 (~not-found :path (str "/" path))))
